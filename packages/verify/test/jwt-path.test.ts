import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { SignJWT } from 'jose';
import { createVerifier, type VerifierOptions, VerifyError } from '../src/index.ts';
import { AUDIENCE, countingFetch, manualClock, signingKey, startFakeIssuer, T0 } from './fake-issuer.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const setup = async (t: TestContext, options: Partial<VerifierOptions> = {}) => {
  const issuer = await startFakeIssuer(t);
  const clock = manualClock();
  const verifier = createVerifier({ issuer: issuer.issuer, audience: AUDIENCE, now: clock.now, ...options });
  return { issuer, clock, verifier };
};

const rejects = async (promise: Promise<unknown>, code: string, message?: RegExp) => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VerifyError, `expected a VerifyError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
};

describe('@tessera/verify: JWT access tokens', () => {
  test('accepts a Tessera JWT access token and describes its client', async (t) => {
    const { issuer, verifier } = await setup(t);
    const token = await issuer.sign({ claims: { scope: 'groups:read-write instances:read-only' } });
    const principal = await verifier.verify(token);
    assert.equal(principal.subject, 'cl_billing');
    assert.equal(principal.clientId, 'cl_billing');
    assert.equal(principal.kind, 'client');
    assert.deepEqual(principal.scopes, ['groups:read-write', 'instances:read-only']);
    assert.deepEqual(principal.expiresAt, new Date(T0 + 300_000));
    assert.equal(principal.claims.iss, issuer.issuer);
    assert.equal(principal.tokenId, undefined);
    assert.equal(principal.can('groups:read-only'), true);
    assert.deepEqual(issuer.counts, { discovery: 1, jwks: 1, introspection: 0, other: 0 });

    // Discovery and keys are fetched once, not per token.
    await verifier.verify(await issuer.sign());
    assert.deepEqual(issuer.counts, { discovery: 1, jwks: 1, introspection: 0, other: 0 });
  });

  test('accepts RS256 and EdDSA keys by default, and only the algorithms it is told to', async (t) => {
    const { issuer, verifier } = await setup(t);
    const rsa = await signingKey('rsa-1', 'RS256');
    const ed = await signingKey('ed-1', 'EdDSA');
    issuer.state.published.push(rsa, ed);
    assert.equal((await verifier.verify(await issuer.sign({ key: rsa }))).subject, 'cl_billing');
    assert.equal((await verifier.verify(await issuer.sign({ key: ed }))).subject, 'cl_billing');

    const esOnly = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      algorithms: ['ES256'],
      now: () => T0,
    });
    await rejects(esOnly.verify(await issuer.sign({ key: rsa })), 'invalid_token', /algorithm/);
  });

  test('refuses to be configured with alg none or an HMAC algorithm', () => {
    for (const algorithm of ['none', 'HS256', 'HS512'])
      assert.throws(
        () =>
          createVerifier({
            issuer: 'https://auth.example.test',
            audience: AUDIENCE,
            algorithms: [algorithm],
          }),
        /not allowed/,
      );
  });

  test('rejects an unsigned token (alg none)', async (t) => {
    const { issuer, verifier } = await setup(t);
    const claims = {
      iss: issuer.issuer,
      sub: 'x',
      aud: AUDIENCE,
      client_id: 'x',
      iat: T0 / 1000,
      exp: T0 / 1000 + 300,
      jti: 'j',
    };
    const token = `${b64({ alg: 'none', typ: 'at+jwt', kid: 'tessera-key-1' })}.${b64(claims)}.`;
    await rejects(verifier.verify(token), 'invalid_token', /algorithm/);
  });

  test('rejects a token HMAC-signed with the public key (HS256 key confusion)', async (t) => {
    const { issuer, verifier } = await setup(t);
    const publicPem = createPublicKey({ key: issuer.state.published[0]!.publicJwk as never, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const token = await new SignJWT({
      sub: 'admin',
      client_id: 'admin',
      scope: 'groups:read-write',
      jti: 'j',
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'tessera-key-1' })
      .setIssuer(issuer.issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 300)
      .sign(new TextEncoder().encode(publicPem));
    await rejects(verifier.verify(token), 'invalid_token', /algorithm/);
  });

  test('rejects a token whose typ is not at+jwt, such as an ID token', async (t) => {
    const { issuer, verifier } = await setup(t);
    await rejects(verifier.verify(await issuer.sign({ header: { typ: 'JWT' } })), 'invalid_token', /at\+jwt/);
    const noTyp = await issuer.sign({ header: { typ: undefined } });
    await rejects(verifier.verify(noTyp), 'invalid_token', /at\+jwt/);
  });

  test('rejects a token from another issuer or for another audience', async (t) => {
    const { issuer, verifier } = await setup(t);
    await rejects(
      verifier.verify(await issuer.sign({ claims: { iss: 'https://evil.example.test' } })),
      'invalid_token',
      /another issuer/,
    );
    await rejects(
      verifier.verify(await issuer.sign({ claims: { aud: 'https://other-api.example.test' } })),
      'invalid_token',
      /another audience/,
    );
    // An audience array must contain this API.
    const shared = await issuer.sign({ claims: { aud: ['https://other-api.example.test', AUDIENCE] } });
    assert.equal((await verifier.verify(shared)).subject, 'cl_billing');
  });

  test('rejects a token missing a claim RFC 9068 requires', async (t) => {
    const { issuer, verifier } = await setup(t);
    await rejects(
      verifier.verify(await issuer.sign({ claims: { client_id: undefined } })),
      'invalid_token',
      /client_id/,
    );
    await rejects(verifier.verify(await issuer.sign({ claims: { jti: undefined } })), 'invalid_token', /jti/);
  });

  test('accepts a token within the clock tolerance after exp and rejects it after', async (t) => {
    const { issuer, verifier, clock } = await setup(t);
    const token = await issuer.sign();
    clock.advance(300_000 + 4_000);
    assert.equal((await verifier.verify(token)).subject, 'cl_billing');
    clock.advance(2_000);
    await rejects(verifier.verify(token), 'invalid_token', /expired/);
  });

  test('never takes a key from the jwk, jku or x5u header', async (t) => {
    const { issuer, verifier } = await setup(t);
    const attacker = await startFakeIssuer(t);
    const attackerKey = await signingKey('tessera-key-1');
    attacker.state.published = [attackerKey];

    // The attacker's own public key embedded in the header, under Tessera's kid.
    const embedded = await issuer.sign({ key: attackerKey, header: { jwk: attackerKey.publicJwk } });
    await rejects(verifier.verify(embedded), 'invalid_token', /signature/);
    // Same with a kid Tessera does not publish: no key to verify with at all.
    const other = await signingKey('attacker-key');
    const unknownKid = await issuer.sign({ key: other, header: { jwk: other.publicJwk } });
    await rejects(verifier.verify(unknownKid), 'invalid_token', /not signed by one of the issuer's keys/);

    for (const header of ['jku', 'x5u']) {
      const pointed = await issuer.sign({
        key: attackerKey,
        header: { [header]: `${attacker.issuer}/jwks` },
      });
      await rejects(verifier.verify(pointed), 'invalid_token', /signature/);
    }
    assert.equal(
      attacker.counts.jwks + attacker.counts.other,
      0,
      'the attacker-controlled URL was never fetched',
    );
  });

  test("rejects a token signed by a foreign key that carries Tessera's kid", async (t) => {
    const { issuer, verifier } = await setup(t);
    const foreign = await signingKey('tessera-key-1');
    await rejects(verifier.verify(await issuer.sign({ key: foreign })), 'invalid_token', /signature/);
  });

  test('rejects a token whose payload was changed after signing', async (t) => {
    const { issuer, verifier } = await setup(t);
    const [header, payload, signature] = (await issuer.sign()).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${b64({ ...claims, scope: 'groups:read-write' })}.${signature}`;
    await rejects(verifier.verify(tampered), 'invalid_token', /signature/);
  });

  test('rejects garbage that is not a token at all', async (t) => {
    const { issuer, verifier } = await setup(t);
    await rejects(verifier.verify('not a token'), 'invalid_token', /malformed/);
    await rejects(verifier.verify('a.b.c'), 'invalid_token', /malformed/);
    await rejects(verifier.verify(''), 'invalid_token');
    assert.equal(issuer.counts.introspection, 0);
  });

  test('fetches the key set again for an unknown kid (rotation), at most once per cooldown', async (t) => {
    // jose times its cooldown with Date.now, so the test moves Date instead of sleeping.
    t.mock.timers.enable({ apis: ['Date'], now: T0 });
    const { issuer, verifier } = await setup(t);
    await verifier.verify(await issuer.sign());
    assert.equal(issuer.counts.jwks, 1);

    const next = await signingKey('tessera-key-2');
    issuer.state.published = [next, ...issuer.state.published];
    const rotated = await issuer.sign({ key: next });

    // Within the cooldown an unknown kid costs no fetch: a flood of made-up kids cannot hammer Tessera.
    await rejects(verifier.verify(rotated), 'invalid_token', /not signed by one of the issuer's keys/);
    assert.equal(issuer.counts.jwks, 1);

    t.mock.timers.tick(30_001);
    assert.equal((await verifier.verify(rotated)).subject, 'cl_billing');
    assert.equal(issuer.counts.jwks, 2);

    // A kid that is still unknown after the refetch is rejected, and starts no fetch within the cooldown.
    const stranger = await signingKey('never-published');
    await rejects(verifier.verify(await issuer.sign({ key: stranger })), 'invalid_token');
    assert.equal(issuer.counts.jwks, 2);
  });

  test('is temporarily_unavailable while the issuer cannot be reached, and recovers when it can', async (t) => {
    const { issuer } = await setup(t);
    const token = await issuer.sign();
    let down = true;
    const verifier = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      now: () => T0,
      fetch: (input, init) => (down ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init)),
    });
    await rejects(verifier.verify(token), 'temporarily_unavailable', /discovery/);
    down = false;
    assert.equal((await verifier.verify(token)).subject, 'cl_billing');
  });

  test('is temporarily_unavailable when the key set cannot be fetched', async (t) => {
    const { issuer } = await setup(t);
    const token = await issuer.sign();
    const verifier = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      now: () => T0,
      fetch: (input, init) =>
        String(input).endsWith('/jwks')
          ? Promise.resolve(new Response('oops', { status: 502 }))
          : fetch(input, init),
    });
    await rejects(verifier.verify(token), 'temporarily_unavailable', /signing keys/);
  });

  test('refuses a discovery document that names another issuer', async (t) => {
    const { issuer } = await setup(t);
    // Same server, another spelling of its URL: a mix-up the verifier must not paper over.
    const elsewhere = issuer.issuer.replace('127.0.0.1', 'localhost');
    const verifier = createVerifier({ issuer: elsewhere, audience: AUDIENCE, now: () => T0 });
    await rejects(verifier.verify(await issuer.sign()), 'temporarily_unavailable', /names issuer/);
  });

  test('sends every request through the injected fetch', async (t) => {
    const { issuer } = await setup(t);
    const counting = countingFetch();
    const verifier = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      now: () => T0,
      fetch: counting.fetch,
    });
    await verifier.verify(await issuer.sign());
    assert.deepEqual(counting.calls, [
      `${issuer.issuer}/.well-known/openid-configuration`,
      `${issuer.issuer}/jwks`,
    ]);
  });
});
