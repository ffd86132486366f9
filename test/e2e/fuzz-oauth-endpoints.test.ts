import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  productionEnv,
  productionSkipReason,
  redisKeys,
  type ProductionEnv,
} from '../helpers/production-env.ts';
import {
  corrupted,
  fuzzParameters,
  hostileComponent,
  hostileHeaderValue,
  hostileText,
  percentText,
  stackTraceIn,
} from '../helpers/hostile-values.ts';
import { rawRequest, type RawResponse } from '../helpers/raw-http.ts';
import { runCli, startTessera, suiteScope, type TesseraInstance } from '../helpers/tessera-process.ts';
import { JWT_API, OPAQUE_API, type RegisteredClient, registerFixtures } from '../helpers/tessera-setup.ts';

/**
 * Property-based fuzzing of the OAuth / OpenID Connect surface and the pages around it: every
 * endpoint, every parameter it reads, with NUL and control characters, invalid UTF-8 as raw
 * bytes, huge values and broken escapes; valid and broken client authentication; hostile headers.
 * Whatever comes in, the answer is below 500 with no stack trace, an OAuth JSON error on the OAuth
 * endpoints — and a refused request writes nothing, in PostgreSQL or in Redis.
 */
type Endpoint = {
  name: string;
  method: 'GET' | 'POST';
  path: () => string;
  /** Parameters with a well-formed value each: the fuzzer makes one hostile at a time. */
  parameters: () => Record<string, string>;
  /** True when its errors are RFC 6749 JSON (`error`). */
  oauthJson: boolean;
};

type FuzzCase = {
  endpoint: Endpoint;
  params: [string, string][];
  encoding: 'query' | 'form' | 'json' | 'text' | 'huge';
  authorization: Buffer | null;
  extraHeader: [string, Buffer] | null;
  method: string;
};

const TABLES = ['clients', 'subjects', 'access_tokens', 'audit_events', 'api_resources', 'oidc_models'];

describe('the OAuth endpoints under fuzzed input', { skip: await productionSkipReason() }, () => {
  const scope = suiteScope(after);
  let production: ProductionEnv;
  let tessera: TesseraInstance;
  let billing: RegisteredClient;
  let resourceServer: RegisteredClient;
  let interactionUid = 'missing';
  let cookies = '';
  let consoleClientId = 'tessera-console';

  /** Follows redirects by hand from the console's sign-in, keeping cookies: a live interaction to fuzz. */
  const startInteraction = async () => {
    let url = `${tessera.url}/console/tokens`;
    const jar = new Map<string, string>();
    for (let hop = 0; hop < 6; hop += 1) {
      const response = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair = ''] = cookie.split(';');
        const at = pair.indexOf('=');
        jar.set(pair.slice(0, at), pair.slice(at + 1));
      }
      const location = response.headers.get('location');
      if (!location) break;
      url = new URL(location, url).toString();
      const clientId = new URL(url).searchParams.get('client_id');
      if (clientId) consoleClientId = clientId;
      const uid = /\/interaction\/([^/?]+)/.exec(url)?.[1];
      if (uid) interactionUid = uid;
    }
    cookies = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  };

  before(async () => {
    const env = await productionEnv(scope);
    assert.ok(env, 'PostgreSQL and Redis are needed');
    production = env;
    tessera = await startTessera(scope, production.env);
    ({ billing, resourceServer } = await registerFixtures(production.env));
    const user = await runCli(
      production.env,
      ['users', 'create', '--username', 'fuzz-user', '--password-stdin', '--json'],
      'correct horse battery staple\n',
    );
    assert.equal(user.code, 0, user.stderr);
    await startInteraction();
    assert.notEqual(interactionUid, 'missing', 'the console sign-in leads to an interaction');
  });

  const endpoints = (): Endpoint[] => {
    const json = true;
    const tokenParameters = () => ({
      grant_type: 'client_credentials',
      client_id: billing.client_id,
      client_secret: billing.client_secret,
      resource: JWT_API,
      scope: 'groups:read-only',
    });
    return [
      { name: 'token', method: 'POST', path: () => '/token', oauthJson: json, parameters: tokenParameters },
      {
        name: 'token (exchange)',
        method: 'POST',
        path: () => '/token',
        oauthJson: json,
        parameters: () => ({
          ...tokenParameters(),
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: 'tsr_pat_x',
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          audience: OPAQUE_API,
          requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        }),
      },
      {
        name: 'token (code)',
        method: 'POST',
        path: () => '/token',
        oauthJson: json,
        parameters: () => ({
          grant_type: 'authorization_code',
          client_id: consoleClientId,
          code: 'abc',
          redirect_uri: `${tessera.url}/console/callback`,
          code_verifier: 'x'.repeat(43),
          refresh_token: 'abc',
        }),
      },
      ...(['/token/introspection', '/token/revocation'] as const).map((path): Endpoint => ({
        name: path,
        method: 'POST',
        path: () => path,
        oauthJson: json,
        parameters: () => ({
          token: 'tsr_pat_abc',
          token_type_hint: 'access_token',
          client_id: resourceServer.client_id,
          client_secret: resourceServer.client_secret,
        }),
      })),
      ...(['GET', 'POST'] as const).map((method): Endpoint => ({
        name: `${method} /auth`,
        method,
        path: () => '/auth',
        oauthJson: false,
        parameters: () => ({
          client_id: consoleClientId,
          response_type: 'code',
          scope: 'openid',
          redirect_uri: `${tessera.url}/console/callback`,
          state: 'state',
          nonce: 'nonce',
          code_challenge: 'x'.repeat(43),
          code_challenge_method: 'S256',
          prompt: 'login',
          resource: JWT_API,
          max_age: '60',
          ui_locales: 'en',
          login_hint: 'fuzz-user',
          claims: '{"id_token":{}}',
          request: 'a.b.c',
        }),
      })),
      ...(['GET', 'POST'] as const).map((method): Endpoint => ({
        name: `${method} /session/end`,
        method,
        path: () => '/session/end',
        oauthJson: false,
        parameters: () => ({
          client_id: consoleClientId,
          id_token_hint: 'a.b.c',
          post_logout_redirect_uri: `${tessera.url}/console/signed-out`,
          state: 'state',
          logout_hint: 'x',
          ui_locales: 'en',
        }),
      })),
      ...['/jwks', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/me'].map(
        (path): Endpoint => ({
          name: path,
          method: 'GET',
          path: () => path,
          oauthJson: false,
          parameters: () => ({}),
        }),
      ),
      {
        name: 'interaction page',
        method: 'GET',
        path: () => `/interaction/${interactionUid}`,
        oauthJson: false,
        parameters: () => ({}),
      },
      ...['login', 'confirm', 'abort'].map((action): Endpoint => ({
        name: `interaction ${action}`,
        method: 'POST',
        path: () => `/interaction/${interactionUid}/${action}`,
        oauthJson: false,
        parameters: () => ({ username: 'fuzz-user', password: 'wrong password', csrf: 'x' }),
      })),
      {
        name: 'console callback',
        method: 'GET',
        path: () => '/console/callback',
        oauthJson: false,
        parameters: () => ({ code: 'abc', state: 'abc', iss: tessera.url }),
      },
      ...['/console/tokens', '/console/resources', '/console/sign-out'].map((path): Endpoint => ({
        name: path,
        method: path.endsWith('sign-out') ? 'POST' : 'GET',
        path: () => path,
        oauthJson: false,
        parameters: () => ({ name: 'x', scopes: 'tokens:read', expires_in_days: '1', csrf: 'x' }),
      })),
    ];
  };

  const basic = (user: string, password: string) =>
    Buffer.from(`Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);

  const fuzzCase = (): fc.Arbitrary<FuzzCase> =>
    fc
      .oneof(
        // The OAuth endpoints proper, where unauthenticated callers are, get most of the cases.
        ...endpoints().map((endpoint) => ({
          weight: endpoint.oauthJson || endpoint.path().startsWith('/auth') ? 4 : 1,
          arbitrary: fc.constant(endpoint),
        })),
      )
      .chain((endpoint) => {
        const names = Object.keys(endpoint.parameters());
        const hostileName = names.length > 0 ? fc.constantFrom(...names) : hostileComponent;
        return fc.record({
          endpoint: fc.constant(endpoint),
          params: fc
            .tuple(
              fc.subarray(names),
              fc.array(
                fc.oneof(
                  { weight: 2, arbitrary: fc.tuple(hostileName, hostileComponent) },
                  {
                    weight: names.length > 0 ? 3 : 0,
                    arbitrary: fc
                      .constantFrom(...(names.length > 0 ? names : ['x']))
                      .chain((name) =>
                        fc.tuple(fc.constant(name), corrupted(endpoint.parameters()[name] ?? 'x')),
                      ),
                  },
                ),
                { minLength: 1, maxLength: 2 },
              ),
              fc.oneof(
                { weight: 6, arbitrary: fc.constant(null) },
                { weight: 1, arbitrary: fc.tuple(hostileComponent, hostileComponent) },
              ),
            )
            .map(([kept, hostile, extra]) => {
              const valid = endpoint.parameters();
              const values: [string, string][] = kept.map((name) => [name, percentText(valid[name] ?? '')]);
              for (const [name, value] of hostile) {
                const at = values.findIndex(([existing]) => existing === name);
                if (at >= 0) values[at] = [name, value];
                else values.push([name, value]);
              }
              return extra ? [...values, extra] : values;
            }),
          encoding: fc.oneof(
            {
              weight: 8,
              arbitrary: fc.constant(endpoint.method === 'GET' ? 'query' : 'form') as fc.Arbitrary<
                FuzzCase['encoding']
              >,
            },
            {
              weight: 1,
              arbitrary: fc.constantFrom('query', 'form', 'json', 'text', 'huge') as fc.Arbitrary<
                FuzzCase['encoding']
              >,
            },
          ),
          authorization: fc.oneof(
            { weight: 8, arbitrary: fc.constant(null) },
            { weight: 1, arbitrary: fc.constant(basic(billing.client_id, billing.client_secret)) },
            {
              weight: 2,
              arbitrary: fc
                .tuple(fc.oneof(hostileText, fc.constant(billing.client_id)), hostileText)
                .filter(([user, password]) => user.length + password.length < 4_000)
                .map(([user, password]) => basic(user, password)),
            },
            {
              weight: 1,
              arbitrary: fc
                .tuple(fc.constantFrom('Basic ', 'Bearer ', ''), hostileHeaderValue)
                .map(([scheme, value]) => Buffer.concat([Buffer.from(scheme), value])),
            },
          ),
          extraHeader: fc.oneof(
            { weight: 3, arbitrary: fc.constant(null) },
            {
              weight: 1,
              arbitrary: fc.tuple(
                fc.constantFrom(
                  'cookie',
                  'origin',
                  'dpop',
                  'x-forwarded-for',
                  'accept-language',
                  'user-agent',
                  'x-request-id',
                ),
                hostileHeaderValue,
              ),
            },
          ),
          method: fc.oneof(
            { weight: 15, arbitrary: fc.constant(endpoint.method) },
            { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'FOO') },
          ),
        });
      });

  const send = (fuzz: FuzzCase): Promise<RawResponse> => {
    const encoded = fuzz.params.map(([name, value]) => `${name}=${value}`).join('&');
    const path = fuzz.endpoint.path();
    const headers: [string, string | Buffer][] = [];
    if (fuzz.authorization) headers.push(['Authorization', fuzz.authorization]);
    if (fuzz.extraHeader) headers.push(fuzz.extraHeader);
    if (fuzz.endpoint.name.startsWith('interaction') || fuzz.endpoint.path().startsWith('/console'))
      headers.push(['Cookie', cookies]);
    const bodies: Record<FuzzCase['encoding'], [string, string | Buffer] | undefined> = {
      query: undefined,
      form: ['application/x-www-form-urlencoded', encoded],
      json: ['application/json', JSON.stringify(Object.fromEntries(fuzz.params))],
      text: ['text/plain; charset=utf-16', Buffer.from(encoded, 'utf16le')],
      huge: ['application/x-www-form-urlencoded', `${encoded}&pad=${'x'.repeat(300_000)}`],
    };
    const body = bodies[fuzz.encoding];
    if (body) headers.push(['Content-Type', body[0]]);
    return rawRequest(tessera.url, {
      method: fuzz.method,
      target: fuzz.encoding === 'query' && encoded ? `${path}?${encoded}` : path,
      headers,
      body: body?.[1],
    });
  };

  const snapshot = async () => {
    const rows = await production.sql(
      TABLES.map((table) => `select '${table}' as name, count(*)::int as n from ${table}`).join(
        ' union all ',
      ),
    );
    // Failed sign-ins are counted on purpose (rate limiting); everything else is a write.
    const keys = (await redisKeys(production.redis, production.redisPrefix)).filter(
      (key) => !key.includes(':attempts:'),
    );
    return { rows: Object.fromEntries(rows.map((row) => [row.name, row.n])), keys: keys.sort() };
  };

  test('every endpoint answers hostile input below 500, without a stack trace, and a refusal writes nothing', async () => {
    let cases = 0;
    const statuses: Record<number, number> = {};
    // The state after the last request: a refused request must leave it as it was.
    let last = await snapshot();
    await fc.assert(
      fc.asyncProperty(fuzzCase(), async (fuzz) => {
        const response = await send(fuzz);
        cases += 1;
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        const where = `${fuzz.method} ${fuzz.endpoint.name} → ${response.status} ${response.text.slice(0, 300)}`;
        assert.ok(response.status >= 200 && response.status < 500, where);
        assert.ok(!stackTraceIn(response.text), `stack trace: ${where}`);
        const fromParser = (response.status === 400 || response.status === 431) && response.body.length === 0;
        if (response.status >= 400 && !fromParser && fuzz.method !== 'HEAD') {
          const type = response.headers['content-type'] ?? '';
          if (fuzz.endpoint.oauthJson && fuzz.method === fuzz.endpoint.method)
            assert.match(type, /^application\/json/, where);
          if (/json/.test(type)) {
            const body = JSON.parse(response.text) as { error?: unknown; code?: unknown };
            assert.ok(typeof body.error === 'string' || typeof body.code === 'string', where);
          }
        }
        const now = await snapshot();
        if (response.status >= 400) assert.deepEqual(now, last, `a refused request wrote: ${where}`);
        last = now;
      }),
      fuzzParameters(800),
    );
    console.log(`OAuth endpoints fuzz: ${cases} requests, statuses ${JSON.stringify(statuses)}`);
    const errors = tessera
      .logs()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    assert.deepEqual(errors, [], 'no ERROR line in the server log');
  });
});
