import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { type ProductionEnv, productionEnv, productionSkipReason } from '../helpers/production-env.ts';
import {
  cliJson,
  freePort,
  runCli,
  startTessera,
  suiteScope,
  type TesseraInstance,
} from '../helpers/tessera-process.ts';
import {
  basicAuth,
  form,
  JWT_API,
  OPAQUE_API,
  type RegisteredClient,
  registerFixtures,
} from '../helpers/tessera-setup.ts';

/**
 * The fast lane (src/oidc/fast-lane/) must be invisible on the wire. Two servers share one
 * database, Redis, key set and issuer: one with the lane, one with TESSERA_FAST_LANE=false. Every
 * request below goes to both, and both answers must agree — status, the headers a client reads,
 * and the body (for a new token: everything but the token's own identity and timestamps).
 */

type Answer = { status: number; headers: Record<string, string | null>; body: unknown; text: string };

/** Headers a client or a cache acts on; Date, X-Request-Id and the like differ by nature. */
const COMPARED_HEADERS = [
  'content-type',
  'cache-control',
  'pragma',
  'vary',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'www-authenticate',
];

const ask = async (
  url: string,
  path: string,
  init: { body: string; headers?: Record<string, string> },
): Promise<Answer> => {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
    body: init.body,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  const headers = Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers.get(name)]));
  return { status: response.status, headers, body, text };
};

/** A freshly issued token cannot be byte-identical twice: compare what it says, not its identity. */
const tokenShape = (answer: Answer) => {
  const body = answer.body as Record<string, unknown>;
  const token = body.access_token;
  if (typeof token !== 'string') return answer;
  const rest = { ...body, access_token: token.includes('.') ? 'jwt' : 'opaque' };
  if (!token.includes('.')) return { ...answer, text: '', body: { ...rest, length: token.length } };
  const { kid: _kid, ...header } = decodeProtectedHeader(token);
  const { jti, iat, exp, ...claims } = decodeJwt(token);
  assert.equal(typeof jti, 'string');
  return {
    ...answer,
    text: '',
    body: { ...rest, header, claims, lifetime: (exp as number) - (iat as number) },
  };
};

describe('the fast lane answers exactly as the provider does', { skip: await productionSkipReason() }, () => {
  const scope = suiteScope(after);
  let production: ProductionEnv;
  let fast: TesseraInstance;
  let full: TesseraInstance;
  let fullUrl: string;
  let billing: RegisteredClient;
  let resourceServer: RegisteredClient;
  let other: RegisteredClient;
  let exchanger: RegisteredClient;
  let pat: string;

  before(async () => {
    production = (await productionEnv(scope)) as ProductionEnv;
    const port = await freePort();
    const env = { ...production.env, TESSERA_ISSUER: `http://127.0.0.1:${port}`, PORT: String(port) };
    fast = await startTessera(scope, env);
    const fullPort = await freePort();
    full = await startTessera(scope, { ...env, PORT: String(fullPort), TESSERA_FAST_LANE: 'false' });
    // Both servers share the issuer (the fast one's address); `url` is the issuer, not the address.
    fullUrl = `http://127.0.0.1:${fullPort}`;
    ({ billing, resourceServer, other } = await registerFixtures(production.env));
    exchanger = await cliJson<RegisteredClient>(production.env, [
      'clients',
      'create',
      '--name',
      'exchanger',
      '--grant-types',
      'urn:ietf:params:oauth:grant-type:token-exchange',
      '--resources',
      JWT_API,
    ]);
    const created = await runCli(
      production.env,
      // An administrator, so her PAT holds a resource scope a resource server is shown.
      ['users', 'create', '--username', 'dana', '--admin', '--password-stdin', '--json'],
      'correct horse battery staple\n',
    );
    assert.equal(created.code, 0, created.stderr);
    ({ token: pat } = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'dana',
      '--name',
      'ci',
      '--scopes',
      'tokens:read groups:read-only',
    ]));
  });

  /** Sends one request to both servers and asserts that the answers agree; returns the fast one. */
  const both = async (path: string, init: { body: string; headers?: Record<string, string> }) => {
    const [a, b] = await Promise.all([ask(fast.url, path, init), ask(fullUrl, path, init)]);
    if (path === '/token' && a.status === 200) assert.deepEqual(tokenShape(a), tokenShape(b));
    else assert.deepEqual(a, b);
    return a;
  };

  const basic = (client: RegisteredClient) => ({ authorization: basicAuth(client) });
  const issue = async (client: RegisteredClient, params: Record<string, string>) => {
    const response = await fetch(`${fast.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(client) },
      body: form({ grant_type: 'client_credentials', ...params }),
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  test('client_credentials: tokens, and every error the token endpoint can give', async () => {
    const grant = (params: Record<string, string>) => form({ grant_type: 'client_credentials', ...params });
    const ok = [
      { body: grant({ resource: JWT_API }), headers: basic(billing) },
      { body: grant({ resource: OPAQUE_API, scope: 'instances:read-only' }), headers: basic(billing) },
      {
        body: grant({ client_id: billing.client_id, client_secret: billing.client_secret }),
        headers: {},
      },
      {
        body: grant({ resource: OPAQUE_API }),
        headers: { ...basic(billing), 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      },
    ];
    for (const request of ok) assert.equal((await both('/token', request)).status, 200);

    const wrongSecret = { ...billing, client_secret: `${billing.client_secret}x` };
    const unknownClient = { client_id: 'no-such-client', client_secret: billing.client_secret };
    const failing = [
      { body: grant({ resource: JWT_API }), headers: basic(wrongSecret) },
      { body: grant({ resource: JWT_API }), headers: basic(unknownClient) },
      { body: grant({ resource: JWT_API, scope: 'groups:read-write' }), headers: basic(billing) },
      {
        body: grant({ resource: JWT_API, scope: 'groups:read-only  groups:read-only' }),
        headers: basic(billing),
      },
      { body: grant({ resource: 'https://unknown.example.test' }), headers: basic(billing) },
      {
        body: `${grant({ resource: JWT_API })}&resource=${encodeURIComponent(OPAQUE_API)}`,
        headers: basic(billing),
      },
      { body: `${grant({ scope: 'groups:read-only' })}&scope=groups:read-only`, headers: basic(billing) },
      { body: grant({ resource: JWT_API, client_id: other.client_id }), headers: basic(billing) },
      { body: grant({ resource: JWT_API }), headers: { authorization: 'Basic !!!' } },
      { body: grant({ resource: JWT_API }), headers: { authorization: 'Bearer abc' } },
      { body: form({ grant_type: 'password', username: 'a', password: 'b' }), headers: basic(billing) },
      { body: grant({}), headers: basic(exchanger) },
      {
        body: grant({ resource: OPAQUE_API }),
        headers: { 'content-type': 'application/json', ...basic(billing) },
      },
    ];
    for (const request of failing) {
      const answer = await both('/token', request);
      assert.notEqual(answer.status, 200, `${request.body} → ${answer.text}`);
    }

    // Requests the lane hands over that still succeed: an ignored parameter, a repeated client_id,
    // an empty (so absent) scope.
    const handedOver = [
      { body: grant({ resource: JWT_API, audience: 'ignored' }), headers: basic(billing) },
      { body: grant({ resource: JWT_API, client_id: billing.client_id }), headers: basic(billing) },
      { body: grant({ resource: JWT_API, scope: '' }), headers: basic(billing) },
    ];
    for (const request of handedOver) assert.equal((await both('/token', request)).status, 200);
    // A browser origin: the library's CORS policy decides, identically on both.
    await both('/token', {
      body: grant({ resource: JWT_API }),
      headers: { ...basic(billing), origin: 'https://app.example.test' },
    });
  });

  test('introspection: client credentials tokens, PATs, JWTs, revoked and foreign tokens', async () => {
    const opaque = await issue(billing, { resource: OPAQUE_API });
    const jwt = await issue(billing, { resource: JWT_API });
    const revoked = await issue(billing, { resource: OPAQUE_API });
    const revocation = await fetch(`${fast.url}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(billing) },
      body: form({ token: revoked }),
    });
    assert.equal(revocation.status, 200);

    const introspect = (caller: RegisteredClient, token: string, extra: Record<string, string> = {}) =>
      both('/token/introspection', { body: form({ token, ...extra }), headers: basic(caller) });

    const active = await introspect(resourceServer, opaque);
    assert.equal((active.body as { active: boolean }).active, true);
    assert.equal((await introspect(billing, opaque)).status, 200);
    assert.equal((await introspect(resourceServer, opaque, { token_type_hint: 'access_token' })).status, 200);
    assert.deepEqual((await introspect(other, opaque)).body, { active: false });
    assert.deepEqual((await introspect(resourceServer, revoked)).body, { active: false });
    assert.deepEqual((await introspect(resourceServer, 'not-a-token')).body, { active: false });
    assert.equal(((await introspect(resourceServer, jwt)).body as { active: boolean }).active, true);
    // JWTs are answered by the lane too (introspection-lane.ts): the same answers for another
    // caller, a revoked JWT, a forged one and a JWT-looking string that is not one.
    assert.deepEqual((await introspect(other, jwt)).body, { active: false });
    const revokedJwt = await issue(billing, { resource: JWT_API });
    const jwtRevocation = await fetch(`${fast.url}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(billing) },
      body: form({ token: revokedJwt }),
    });
    assert.equal(jwtRevocation.status, 200);
    assert.deepEqual((await introspect(resourceServer, revokedJwt)).body, { active: false });
    const [header, payload] = jwt.split('.');
    assert.deepEqual((await introspect(resourceServer, `${header}.${payload}.AAAA`)).body, { active: false });
    assert.deepEqual((await introspect(resourceServer, 'a.b.c')).body, { active: false });
    const personal = await introspect(resourceServer, pat);
    assert.equal((personal.body as { token_kind: string }).token_kind, 'personal');
    // The management scope is the management API's business, on either lane.
    assert.equal((personal.body as { scope: string }).scope, 'groups:read-only');
    assert.deepEqual((await introspect(other, pat)).body, { active: false });
    assert.equal(
      (
        await both('/token/introspection', {
          body: form({
            token: opaque,
            client_id: resourceServer.client_id,
            client_secret: resourceServer.client_secret,
          }),
        })
      ).status,
      200,
    );
    const stranger = { ...resourceServer, client_secret: 'wrong' };
    assert.equal((await introspect(stranger, opaque)).status, 401);
    assert.equal((await both('/token/introspection', { body: form({ token: opaque }) })).status, 401);
    assert.equal(
      (await both('/token/introspection', { body: '', headers: basic(resourceServer) })).status,
      400,
    );
  });

  test('the plain requests did take the fast lane, and only on the server that has it', async () => {
    await issue(billing, { resource: OPAQUE_API });
    const lines = (logs: string) => logs.split('\n').filter((line) => line.includes('"fastLane":true'));
    assert.ok(lines(fast.logs()).some((line) => line.includes('"path":"/token"')));
    assert.ok(lines(fast.logs()).some((line) => line.includes('"path":"/token/introspection"')));
    assert.equal(lines(full.logs()).length, 0);
  });
});
