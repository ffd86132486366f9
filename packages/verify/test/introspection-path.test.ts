import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { createVerifier, type VerifierOptions, VerifyError } from '../src/index.ts';
import {
  AUDIENCE,
  countingFetch,
  type FakeIssuer,
  manualClock,
  opaqueToken,
  personalToken,
  resourceToken,
  startFakeIssuer,
  T0,
} from './fake-issuer.ts';

const CLIENT = { clientId: 'cl_api', clientSecret: 's3cret' };

const rejects = async (promise: Promise<unknown>, code: string, message?: RegExp) => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VerifyError, `expected a VerifyError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
};

const activeAnswer = (issuer: FakeIssuer, extra: Record<string, unknown> = {}) => ({
  active: true,
  sub: 'cl_billing',
  client_id: 'cl_billing',
  scope: 'instances:read-only',
  aud: AUDIENCE,
  iss: issuer.issuer,
  token_type: 'Bearer',
  iat: T0 / 1000,
  exp: T0 / 1000 + 3600,
  ...extra,
});

/** A fake issuer whose introspection answers from a table of tokens (anything else is inactive). */
const setup = async (t: TestContext, options: Partial<VerifierOptions> = {}) => {
  const issuer = await startFakeIssuer(t);
  const answers = new Map<string, Record<string, unknown>>();
  issuer.state.introspect = ({ form }) => ({
    json: answers.get(form.get('token') ?? '') ?? { active: false },
  });
  const clock = manualClock();
  const counting = countingFetch();
  const verifier = createVerifier({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    introspection: CLIENT,
    now: clock.now,
    fetch: counting.fetch,
    ...options,
  });
  return { issuer, answers, clock, verifier, calls: counting.calls };
};

describe('@tessera/verify: opaque tokens, PATs and RATs through introspection', () => {
  test('accepts an active opaque token, asking with client_secret_basic', async (t) => {
    const { issuer, answers, verifier } = await setup(t);
    const token = opaqueToken();
    answers.set(token, activeAnswer(issuer));
    const principal = await verifier.verify(token);
    assert.equal(principal.subject, 'cl_billing');
    assert.equal(principal.clientId, 'cl_billing');
    assert.equal(principal.kind, 'client');
    assert.deepEqual(principal.scopes, ['instances:read-only']);
    assert.deepEqual(principal.expiresAt, new Date(T0 + 3_600_000));
    assert.equal(principal.claims.token_type, 'Bearer');

    const [request] = issuer.introspections;
    assert.equal(request?.form.get('token'), token);
    assert.equal(request?.form.get('token_type_hint'), 'access_token');
    assert.equal(request?.authorization, `Basic ${Buffer.from('cl_api:s3cret').toString('base64')}`);
  });

  test('form-urlencodes the client id and secret before base64 (RFC 6749 §2.3.1)', async (t) => {
    const { issuer, verifier } = await setup(t, {
      introspection: { clientId: 'api client', clientSecret: 'a+b:c/d%é' },
    });
    await rejects(verifier.verify(opaqueToken()), 'invalid_token');
    const encoded = Buffer.from(
      issuer.introspections[0]!.authorization!.slice('Basic '.length),
      'base64',
    ).toString();
    assert.equal(encoded, 'api+client:a%2Bb%3Ac%2Fd%25%C3%A9');
  });

  test('rejects an inactive token, and keeps that answer only briefly', async (t) => {
    const { issuer, verifier, clock } = await setup(t, { cache: { negativeTtlSeconds: 5 } });
    const token = opaqueToken();
    await rejects(verifier.verify(token), 'invalid_token', /not active/);
    await rejects(verifier.verify(token), 'invalid_token', /not active/);
    assert.equal(issuer.counts.introspection, 1);
    clock.advance(5_000);
    await rejects(verifier.verify(token), 'invalid_token', /not active/);
    assert.equal(issuer.counts.introspection, 2);
  });

  test('keeps an active answer for maxTtlSeconds, so a revocation is seen after at most that', async (t) => {
    const { issuer, answers, verifier, clock } = await setup(t, { cache: { maxTtlSeconds: 30 } });
    const token = opaqueToken();
    answers.set(token, activeAnswer(issuer));
    await verifier.verify(token);
    answers.delete(token); // revoked at Tessera
    clock.advance(29_999);
    assert.equal((await verifier.verify(token)).subject, 'cl_billing');
    assert.equal(issuer.counts.introspection, 1);
    clock.advance(1);
    await rejects(verifier.verify(token), 'invalid_token', /not active/);
    assert.equal(issuer.counts.introspection, 2);
  });

  test('never keeps an active answer past the token’s own exp', async (t) => {
    const { issuer, answers, verifier, clock } = await setup(t, { cache: { maxTtlSeconds: 30 } });
    const token = opaqueToken();
    answers.set(token, activeAnswer(issuer, { exp: T0 / 1000 + 10 }));
    await verifier.verify(token);
    clock.advance(9_999);
    await verifier.verify(token);
    assert.equal(issuer.counts.introspection, 1);
    answers.delete(token);
    clock.advance(1);
    await rejects(verifier.verify(token), 'invalid_token');
    assert.equal(issuer.counts.introspection, 2);
  });

  test('with maxTtlSeconds 0 asks Tessera every time', async (t) => {
    const { issuer, answers, verifier } = await setup(t, { cache: { maxTtlSeconds: 0 } });
    const token = opaqueToken();
    answers.set(token, activeAnswer(issuer));
    await verifier.verify(token);
    await verifier.verify(token);
    assert.equal(issuer.counts.introspection, 2);
  });

  test('holds at most maxEntries answers, dropping the least recently used', async (t) => {
    const { issuer, answers, verifier } = await setup(t, { cache: { maxEntries: 2 } });
    const [a, b, c] = [opaqueToken(), opaqueToken(), opaqueToken()];
    for (const token of [a, b, c]) answers.set(token, activeAnswer(issuer));
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a); // a is now the most recently used
    await verifier.verify(c); // evicts b
    assert.equal(issuer.counts.introspection, 3);
    await verifier.verify(a);
    await verifier.verify(c);
    assert.equal(issuer.counts.introspection, 3);
    await verifier.verify(b);
    assert.equal(issuer.counts.introspection, 4);
  });

  test('shares one introspection call between concurrent requests with the same token', async (t) => {
    const { issuer, answers, verifier } = await setup(t);
    const token = opaqueToken();
    answers.set(token, activeAnswer(issuer));
    const principals = await Promise.all([
      verifier.verify(token),
      verifier.verify(token),
      verifier.verify(token),
    ]);
    assert.deepEqual(
      principals.map((principal) => principal.subject),
      ['cl_billing', 'cl_billing', 'cl_billing'],
    );
    assert.equal(issuer.counts.introspection, 1);
  });

  for (const [what, reply, message] of [
    ['a 500', { status: 500, json: { error: 'server_error' } }, /HTTP 500/],
    [
      'a 401 (the verifier’s own credentials are wrong)',
      { status: 401, json: { error: 'invalid_client' } },
      /HTTP 401/,
    ],
    ['an HTML page', { text: '<html>bad gateway</html>' }, /introspection failed/],
    ['JSON without active', { json: { sub: 'x' } }, /not an RFC 7662 response/],
  ] as const) {
    test(`is temporarily_unavailable, and keeps nothing, when introspection answers ${what}`, async (t) => {
      const { issuer, verifier } = await setup(t);
      issuer.state.introspect = () => reply;
      const token = opaqueToken();
      await rejects(verifier.verify(token), 'temporarily_unavailable', message);
      await rejects(verifier.verify(token), 'temporarily_unavailable', message);
      assert.equal(issuer.counts.introspection, 2);
    });
  }

  test('is temporarily_unavailable when introspection does not answer in time, and keeps nothing', async (t) => {
    const { issuer, answers, verifier } = await setup(t, { timeoutSeconds: 0.2 });
    const token = opaqueToken();
    issuer.state.introspect = () => 'hang';
    await rejects(verifier.verify(token), 'temporarily_unavailable', /timed out/);
    answers.set(token, activeAnswer(issuer));
    issuer.state.introspect = ({ form }) => ({
      json: answers.get(form.get('token') ?? '') ?? { active: false },
    });
    assert.equal((await verifier.verify(token)).subject, 'cl_billing');
  });

  test('is temporarily_unavailable when Tessera cannot be reached at all', async (t) => {
    const { issuer } = await setup(t);
    const verifier = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      introspection: CLIENT,
      fetch: (input, init) =>
        String(input).endsWith('/introspection')
          ? Promise.reject(new TypeError('fetch failed'))
          : fetch(input, init),
    });
    await rejects(verifier.verify(opaqueToken()), 'temporarily_unavailable', /fetch failed/);
  });

  test('rejects a PAT or RAT with a bad checksum without any network call', async (t) => {
    const { verifier, calls } = await setup(t);
    for (const good of [personalToken(), resourceToken()]) {
      const last = good.at(-1) === 'A' ? 'B' : 'A';
      await rejects(verifier.verify(`${good.slice(0, -1)}${last}`), 'invalid_token', /checksum/);
      await rejects(verifier.verify(`${good}x`), 'invalid_token', /checksum/);
    }
    await rejects(verifier.verify('tsr_xyz_abc'), 'invalid_token', /checksum/);
    assert.deepEqual(calls, []);
  });

  test('describes a personal access token from introspection', async (t) => {
    const { issuer, answers, verifier } = await setup(t);
    const token = personalToken();
    answers.set(token, {
      active: true,
      sub: 'usr_ada',
      scope: 'groups:read-write applications:read-only',
      aud: [AUDIENCE],
      iss: issuer.issuer,
      token_type: 'Bearer',
      iat: T0 / 1000,
      token_id: 'tok_123',
      token_kind: 'personal',
    });
    const principal = await verifier.verify(token);
    assert.equal(principal.kind, 'personal');
    assert.equal(principal.subject, 'usr_ada');
    assert.equal(principal.clientId, undefined);
    assert.equal(principal.tokenId, 'tok_123');
    assert.equal(principal.expiresAt, undefined, 'a token that never expires has no expiresAt');
    assert.equal(principal.can('groups:read-only', { type: 'groups', id: '1' }), true);
  });

  test('describes a resource access token, bound to its resource', async (t) => {
    const { issuer, answers, verifier } = await setup(t);
    const token = resourceToken();
    answers.set(token, {
      active: true,
      sub: 'bot_7',
      scope: 'applications:read-write',
      aud: AUDIENCE,
      iss: issuer.issuer,
      iat: T0 / 1000,
      exp: T0 / 1000 + 86_400,
      token_id: 'tok_9',
      token_kind: 'resource',
      resource: { type: 'groups', id: '42' },
      role: 'maintainer',
    });
    const principal = await verifier.verify(token);
    assert.equal(principal.kind, 'resource');
    assert.deepEqual(principal.resource, { type: 'groups', id: '42' });
    assert.equal(principal.role, 'maintainer');
    assert.equal(
      principal.can('applications:read-only', {
        type: 'applications',
        id: '7',
        ancestors: [{ type: 'groups', id: '42' }],
      }),
      true,
    );
    assert.equal(principal.can('applications:read-only', { type: 'applications', id: '8' }), false);
  });

  test('rejects a token whose kind disagrees with its prefix', async (t) => {
    const { issuer, answers, verifier } = await setup(t);
    const token = personalToken();
    answers.set(
      token,
      activeAnswer(issuer, { token_kind: 'resource', resource: { type: 'groups', id: '1' } }),
    );
    await rejects(verifier.verify(token), 'invalid_token', /personal token/);
  });

  test('rejects an active answer for another audience, issuer, token type or past its exp', async (t) => {
    const { issuer, answers, verifier } = await setup(t);
    const cases = [
      [{ aud: 'https://other.example.test' }, /another audience/],
      [{ aud: ['https://other.example.test'] }, /another audience/],
      [{ iss: 'https://evil.example.test' }, /another issuer/],
      [{ token_type: 'refresh_token' }, /not an access token/],
      [{ exp: T0 / 1000 - 6 }, /expired/],
    ] as const;
    for (const [extra, message] of cases) {
      const token = opaqueToken();
      answers.set(token, activeAnswer(issuer, extra));
      await rejects(verifier.verify(token), 'invalid_token', message);
    }
  });

  test('refuses an answer without aud, whatever the kind of token', async (t) => {
    // Tessera names an audience for every token it vouches for, audience-less PATs included (the
    // asking resource server's APIs), so an answer without one is not to be trusted here.
    const { issuer, answers, verifier } = await setup(t);
    const pat = personalToken();
    const opaque = opaqueToken();
    answers.set(pat, {
      active: true,
      sub: 'usr_ada',
      scope: 'groups:read-only',
      token_kind: 'personal',
      token_id: 'tok_1',
    });
    answers.set(opaque, activeAnswer(issuer, { aud: undefined }));
    await rejects(verifier.verify(pat), 'invalid_token', /no audience/);
    await rejects(verifier.verify(opaque), 'invalid_token', /no audience/);
    const emptyAudience = personalToken();
    answers.set(emptyAudience, { active: true, sub: 'usr_ada', scope: '', token_kind: 'personal', aud: [] });
    await rejects(verifier.verify(emptyAudience), 'invalid_token', /no audience/);
  });

  test('accepts an audience-less PAT as Tessera answers for it: with the APIs the asker is registered for', async (t) => {
    const { answers, verifier } = await setup(t);
    const pat = personalToken();
    answers.set(pat, {
      active: true,
      sub: 'usr_ada',
      scope: 'groups:read-only',
      token_type: 'Bearer',
      token_kind: 'personal',
      token_id: 'tok_1',
      aud: ['https://opaque.example.test', AUDIENCE],
    });
    assert.equal((await verifier.verify(pat)).subject, 'usr_ada');
  });

  test('without introspection credentials, refuses opaque tokens, PATs and RATs without asking anyone', async (t) => {
    const { issuer } = await setup(t);
    const counting = countingFetch();
    const verifier = createVerifier({ issuer: issuer.issuer, audience: AUDIENCE, fetch: counting.fetch });
    for (const token of [opaqueToken(), personalToken(), resourceToken()])
      await rejects(verifier.verify(token), 'invalid_token', /JWT access tokens only/);
    assert.deepEqual(counting.calls, []);
  });

  test('with introspectJwts, sees a revoked JWT within the cache bound', async (t) => {
    const { issuer, answers, verifier, clock } = await setup(t, {
      introspectJwts: true,
      cache: { maxTtlSeconds: 10 },
    });
    const jwt = await issuer.sign();
    answers.set(jwt, activeAnswer(issuer));
    assert.equal((await verifier.verify(jwt)).subject, 'cl_billing');
    answers.delete(jwt);
    assert.equal((await verifier.verify(jwt)).subject, 'cl_billing');
    clock.advance(10_000);
    await rejects(verifier.verify(jwt), 'invalid_token', /not active/);
  });

  test('two verifiers for two issuers share no cache', async (t) => {
    const first = await setup(t);
    const second = await setup(t);
    const token = opaqueToken();
    first.answers.set(token, activeAnswer(first.issuer));
    assert.equal((await first.verifier.verify(token)).subject, 'cl_billing');
    // The same string means nothing to the other issuer, and its verifier asks its own issuer.
    await rejects(second.verifier.verify(token), 'invalid_token', /not active/);
    assert.equal(first.issuer.counts.introspection, 1);
    assert.equal(second.issuer.counts.introspection, 1);
    // And two verifiers of one issuer each keep their own answers.
    const again = createVerifier({ issuer: first.issuer.issuer, audience: AUDIENCE, introspection: CLIENT });
    await again.verify(token);
    assert.equal(first.issuer.counts.introspection, 2);
  });
});
