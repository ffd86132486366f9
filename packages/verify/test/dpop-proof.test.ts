import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { exportJWK, SignJWT } from 'jose';
import {
  createDPoPNonces,
  createMemoryReplayStore,
  createVerifier,
  type DPoPReplayStore,
  type VerifierOptions,
  VerifyError,
} from '../src/index.ts';
import { AUDIENCE, manualClock, opaqueToken, startFakeIssuer, T0 } from './fake-issuer.ts';
import { ath, clientKey, type ClientKey, makeProof, type ProofParts } from './dpop-support.ts';

/**
 * RFC 9449 §7 in the verifier: a token bound to a key (`cnf.jkt`) passes only with a valid proof
 * from that key, and every part of the proof is checked. Real JWTs (the fake issuer signs them like
 * Tessera), real proofs signed with jose, and a clock the test moves.
 */
const URL_ = 'https://api.example.test/groups/42';
const CLIENT = { clientId: 'cl_api', clientSecret: 's3cret' };

const rejects = async (promise: Promise<unknown>, code: string, message?: RegExp) => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VerifyError, `expected a VerifyError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
};

const setup = async (t: TestContext, options: Partial<VerifierOptions> = {}) => {
  const issuer = await startFakeIssuer(t);
  const answers = new Map<string, Record<string, unknown>>();
  issuer.state.introspect = ({ form }) => ({
    json: answers.get(form.get('token') ?? '') ?? { active: false },
  });
  const clock = manualClock();
  const verifier = createVerifier({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    introspection: CLIENT,
    now: clock.now,
    ...options,
  });
  const key = await clientKey();
  const token = await issuer.sign({ claims: { cnf: { jkt: key.jkt } } });
  /** A proof for `token` (by default) made now, with whatever the test overrides. */
  const proof = (overrides: Partial<ProofParts> = {}, by: ClientKey = key) =>
    makeProof(by, { token, htu: URL_, now: clock.now(), ...overrides });
  const present = async (
    proofValue: string | undefined,
    extra: { method?: string; url?: string; bearer?: string } = {},
  ) =>
    verifier.verify(extra.bearer ?? token, {
      method: extra.method ?? 'GET',
      url: extra.url ?? URL_,
      proof: proofValue,
    });
  return { issuer, answers, clock, verifier, key, token, proof, present };
};

describe('@tessera/verify: DPoP-bound tokens (RFC 9449)', () => {
  test('accepts a DPoP-bound JWT with a valid proof, whatever the query and however the URL is spelled', async (t) => {
    const { present, proof, key } = await setup(t);
    const principal = await present(await proof());
    assert.equal(principal.subject, 'cl_billing');
    assert.deepEqual(principal.claims.cnf, { jkt: key.jkt });
    // htu has no query or fragment; the request's are ignored, and both are normalised (§4.3).
    assert.equal((await present(await proof(), { url: `${URL_}?page=2#top` })).subject, 'cl_billing');
    const spelled = await proof({ htu: 'HTTPS://API.example.test:443/groups/42' });
    assert.equal((await present(spelled)).subject, 'cl_billing');
  });

  test('refuses a DPoP-bound token presented as a bearer token', async (t) => {
    const { verifier, token } = await setup(t);
    await rejects(verifier.verify(token), 'invalid_token', /bound to a DPoP key.*Authorization: DPoP/);
  });

  test('refuses the DPoP scheme with a token that is not bound, and unbound tokens when DPoP is required', async (t) => {
    const { issuer, verifier, present, proof } = await setup(t);
    const unbound = await issuer.sign();
    assert.equal((await verifier.verify(unbound)).subject, 'cl_billing');
    await rejects(
      present(await proof({ token: unbound }), { bearer: unbound }),
      'invalid_token',
      /not bound/,
    );

    const strict = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      now: () => T0,
      requireDPoP: true,
    });
    assert.deepEqual(strict.dpop?.required, true);
    await rejects(strict.verify(unbound), 'invalid_token', /DPoP-bound tokens only/);
  });

  test('refuses a request without a proof, or with two', async (t) => {
    const { present, proof } = await setup(t);
    await rejects(present(undefined), 'invalid_dpop_proof', /no DPoP header/);
    await rejects(present(`${await proof()}, ${await proof()}`), 'invalid_dpop_proof', /more than one/);
  });

  test('refuses a proof for another method, URL or access token', async (t) => {
    const { present, proof, issuer, key } = await setup(t);
    await rejects(
      present(await proof({ htm: 'POST' })),
      'invalid_dpop_proof',
      /another method \(htm must be GET\)/,
    );
    await rejects(present(await proof(), { method: 'DELETE' }), 'invalid_dpop_proof', /htm must be DELETE/);
    await rejects(
      present(await proof({ htu: 'https://api.example.test/groups/43' })),
      'invalid_dpop_proof',
      /another URL \(htu must be https:\/\/api\.example\.test\/groups\/42\)/,
    );
    await rejects(
      present(await proof({ htu: 'http://api.example.test/groups/42' })),
      'invalid_dpop_proof',
      /htu/,
    );
    await rejects(present(await proof({ htu: 'not a url' })), 'invalid_dpop_proof', /htu/);
    const other = await issuer.sign({ claims: { cnf: { jkt: key.jkt } } });
    await rejects(
      present(await proof({ token: other })),
      'invalid_dpop_proof',
      /another access token \(ath\)/,
    );
    await rejects(present(await proof({ claims: { ath: undefined } })), 'invalid_dpop_proof', /no ath/);
  });

  test('refuses a proof signed by another key than the token is bound to', async (t) => {
    const { present, proof } = await setup(t);
    const thief = await clientKey();
    await rejects(
      present(await proof({}, thief)),
      'invalid_dpop_proof',
      /another key than the one the token is bound to/,
    );
  });

  test('refuses a stale proof, one from the future, and one without iat', async (t) => {
    const { present, proof, clock } = await setup(t);
    const early = await proof();
    clock.advance(66_000); // past 60 s plus 5 s of skew
    await rejects(present(early), 'invalid_dpop_proof', /too old/);
    await rejects(present(await proof({ now: clock.now() + 30_000 })), 'invalid_dpop_proof', /future|iat/);
    await rejects(present(await proof({ claims: { iat: undefined } })), 'invalid_dpop_proof', /iat/);
    // Within the window (and the skew) it passes.
    clock.advance(-6_000);
    assert.equal((await present(early)).subject, 'cl_billing');
  });

  test('refuses a replayed proof (same jti), even one resent a second later', async (t) => {
    const { present, proof, clock } = await setup(t);
    const once = await proof();
    await present(once);
    await rejects(present(once), 'invalid_dpop_proof', /already used/);
    clock.advance(1_000);
    await rejects(present(once), 'invalid_dpop_proof', /already used/);
    // A new proof (new jti) is fine.
    assert.equal((await present(await proof())).subject, 'cl_billing');
  });

  test('refuses a proof whose jwk header holds a private key, or that has no jwk', async (t) => {
    const { present, proof, key } = await setup(t);
    const privateJwk = await exportJWK(key.privateKey);
    assert.ok(privateJwk.d);
    await rejects(
      present(await proof({ header: { jwk: privateJwk } })),
      'invalid_dpop_proof',
      /private or symmetric key/,
    );
    await rejects(
      present(await proof({ header: { jwk: undefined } })),
      'invalid_dpop_proof',
      /no jwk header/,
    );
  });

  test('refuses HS256, alg none, another typ, a bad signature and garbage', async (t) => {
    const { present, key, token, clock } = await setup(t);
    const claims = { htm: 'GET', htu: URL_, ath: ath(token), iat: clock.now() / 1000, jti: 'j-1' };
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk })
      .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));
    await rejects(present(hs256), 'invalid_dpop_proof', /algorithm HS256 is not allowed/);

    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })}.${b64(claims)}.`;
    await rejects(present(none), 'invalid_dpop_proof', /not a signed JWT/);

    const wrongTyp = await makeProof(key, { token, htu: URL_, now: clock.now(), header: { typ: 'JWT' } });
    await rejects(present(wrongTyp), 'invalid_dpop_proof', /typ dpop\+jwt/);

    const good = await makeProof(key, { token, htu: URL_, now: clock.now() });
    const [header, , signature] = good.split('.');
    await rejects(
      present(`${header}.${b64({ ...claims, htm: 'GET' })}.${signature}`),
      'invalid_dpop_proof',
      /signature/,
    );
    await rejects(present('eyJ.eyJ.sig'), 'invalid_dpop_proof', /not a JWT|malformed/);
  });

  test('accepts only the algorithms it is told to, and never HMAC', async (t) => {
    const { issuer, clock } = await setup(t);
    assert.throws(
      () => createVerifier({ issuer: issuer.issuer, audience: AUDIENCE, dpop: { algorithms: ['HS256'] } }),
      /DPoP algorithm HS256 is not allowed/,
    );
    const verifier = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      now: clock.now,
      dpop: { algorithms: ['EdDSA'] },
    });
    assert.deepEqual(verifier.dpop?.algorithms, ['EdDSA']);
    const es = await clientKey('ES256');
    const ed = await clientKey('EdDSA');
    const esToken = await issuer.sign({ claims: { cnf: { jkt: es.jkt } } });
    const edToken = await issuer.sign({ claims: { cnf: { jkt: ed.jkt } } });
    const esProof = await makeProof(es, { token: esToken, htu: URL_, now: clock.now() });
    await rejects(
      verifier.verify(esToken, { method: 'GET', url: URL_, proof: esProof }),
      'invalid_dpop_proof',
      /ES256 is not allowed/,
    );
    const edProof = await makeProof(ed, { token: edToken, htu: URL_, now: clock.now() });
    assert.equal(
      (await verifier.verify(edToken, { method: 'GET', url: URL_, proof: edProof })).subject,
      'cl_billing',
    );
  });

  test('checks introspected tokens the same way (token_type DPoP, cnf.jkt)', async (t) => {
    const { issuer, answers, verifier, key, clock } = await setup(t);
    const token = opaqueToken();
    answers.set(token, {
      active: true,
      sub: 'cl_billing',
      client_id: 'cl_billing',
      aud: AUDIENCE,
      iss: issuer.issuer,
      token_type: 'DPoP',
      cnf: { jkt: key.jkt },
      exp: T0 / 1000 + 3600,
    });
    const proof = () => makeProof(key, { token, htu: URL_, now: clock.now() });
    assert.equal(
      (await verifier.verify(token, { method: 'GET', url: URL_, proof: await proof() })).subject,
      'cl_billing',
    );
    await rejects(verifier.verify(token), 'invalid_token', /bound to a DPoP key/);
    const thief = await clientKey();
    const stolen = await makeProof(thief, { token, htu: URL_, now: clock.now() });
    await rejects(
      verifier.verify(token, { method: 'GET', url: URL_, proof: stolen }),
      'invalid_dpop_proof',
      /another key/,
    );

    // An answer saying DPoP without naming the key is not trusted either way.
    const keyless = opaqueToken();
    answers.set(keyless, { ...answers.get(token), token_type: 'DPoP', cnf: undefined });
    await rejects(verifier.verify(keyless), 'invalid_token', /names no key/);
  });

  test('asks for a nonce when configured, and accepts the current and the previous one', async (t) => {
    const clock = manualClock();
    const nonces = createDPoPNonces({ rotateSeconds: 60, now: clock.now });
    const { present, proof } = await setup(t, { now: clock.now, dpop: { nonce: nonces } });
    const refused = await present(await proof()).catch((error: unknown) => error);
    assert.ok(refused instanceof VerifyError);
    assert.equal(refused.code, 'use_dpop_nonce');
    assert.equal(refused.status, 401);
    assert.match(refused.message, /requires a nonce/);
    const nonce = refused.dpopNonce;
    assert.equal(nonce, await nonces.current());
    assert.equal((await present(await proof({ now: clock.now(), claims: { nonce } }))).subject, 'cl_billing');
    await rejects(present(await proof({ claims: { nonce: 'made-up' } })), 'use_dpop_nonce', /not current/);

    clock.advance(60_000); // rotated: the previous nonce still passes, for one period
    assert.notEqual(await nonces.current(), nonce);
    assert.equal((await present(await proof({ now: clock.now(), claims: { nonce } }))).subject, 'cl_billing');
    clock.advance(60_000);
    await rejects(present(await proof({ now: clock.now(), claims: { nonce } })), 'use_dpop_nonce');
  });

  test('nonces made with one secret are accepted by every instance that has it', () => {
    const a = createDPoPNonces({ secret: 'a shared secret, long enough', now: () => T0 });
    const b = createDPoPNonces({ secret: 'a shared secret, long enough', now: () => T0 });
    const c = createDPoPNonces({ now: () => T0 });
    assert.equal(b.accepts(a.current() as string), true);
    assert.equal(c.accepts(a.current() as string), false);
    assert.throws(() => createDPoPNonces({ secret: 'short' }), /at least 16/);
  });

  test('uses the replay store it is given, and is unavailable when the store is', async (t) => {
    const seen = new Map<string, number>();
    let down = false;
    // A store shared by two verifiers, as several instances of an API would share Redis.
    const shared: DPoPReplayStore = {
      remember(key, expiresAt) {
        if (down) throw new Error('connection refused');
        if (seen.has(key)) return false;
        seen.set(key, expiresAt);
        return true;
      },
    };
    const { issuer, present, proof, clock, token } = await setup(t, { dpop: { replayStore: shared } });
    const other = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      now: clock.now,
      dpop: { replayStore: shared },
    });
    const once = await proof();
    await present(once);
    assert.equal(seen.size, 1);
    // Kept until the proof would be too old anyway: iat + 60 s + 5 s.
    assert.equal([...seen.values()][0], Math.floor(T0 / 1000) * 1000 + 65_000);
    await rejects(
      other.verify(token, { method: 'GET', url: URL_, proof: once }),
      'invalid_dpop_proof',
      /already used/,
    );
    down = true;
    await rejects(present(await proof()), 'temporarily_unavailable', /replay store/);
  });

  test('the in-memory replay store forgets expired proofs and, when full, refuses what it can no longer tell apart', () => {
    const clock = manualClock();
    const store = createMemoryReplayStore({ maxEntries: 2, now: clock.now });
    assert.equal(store.remember('a', T0 + 10_000), true);
    assert.equal(store.remember('a', T0 + 10_000), false);
    assert.equal(store.remember('b', T0 + 20_000), true);
    // Full: 'a' is forgotten, and anything expiring by then is refused, since it might be 'a' again.
    assert.equal(store.remember('c', T0 + 30_000), true);
    assert.equal(store.remember('a', T0 + 10_000), false);
    assert.equal(store.remember('d', T0 + 5_000), false);
    clock.advance(25_000); // 'b' has expired: there is room again
    assert.equal(store.remember('e', T0 + 40_000), true);
    assert.equal(store.remember('c', T0 + 30_000), false);
    assert.throws(() => createMemoryReplayStore({ maxEntries: 0 }), /positive integer/);
  });
});
