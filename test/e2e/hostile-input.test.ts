import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT } from 'jose';
import { after, before, describe, test } from 'node:test';
import {
  cliJson,
  runCli,
  startTessera,
  suiteScope,
  type TesseraInstance,
  testEnv,
} from '../helpers/tessera-process.ts';
import {
  basicAuth,
  JWT_API,
  OPAQUE_API,
  postForm,
  type RegisteredClient,
  registerFixtures,
} from '../helpers/tessera-setup.ts';

/** Every way a caller can get the token, introspection and revocation endpoints wrong. */
describe('token endpoints under hostile input', () => {
  let tessera: TesseraInstance;
  let billing: RegisteredClient;
  let resourceServer: RegisteredClient;
  let other: RegisteredClient;
  let env: Record<string, string>;

  const scope = suiteScope(after);

  before(async () => {
    env = testEnv(scope);
    tessera = await startTessera(scope, env);
    ({ billing, resourceServer, other } = await registerFixtures(env));
  });

  const token = (client: RegisteredClient | undefined, values: Record<string, string>) =>
    postForm(`${tessera.url}/token`, client, { grant_type: 'client_credentials', ...values });

  const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

  test('a wrong secret with client_secret_basic is 401 invalid_client with WWW-Authenticate', async () => {
    const response = await token({ ...billing, client_secret: 'tsr_cs_wrong' }, { resource: JWT_API });
    assert.equal(response.status, 401);
    assert.equal(await errorOf(response), 'invalid_client');
    assert.match(response.headers.get('www-authenticate') ?? '', /^Basic /);
  });

  test('an unknown client gets exactly the answer a wrong secret gets', async () => {
    const wrongSecret = await token({ ...billing, client_secret: 'tsr_cs_wrong' }, {});
    const unknown = await token({ client_id: 'cl_unknown', client_secret: 'tsr_cs_wrong' }, {});
    assert.equal(unknown.status, wrongSecret.status);
    assert.deepEqual(await unknown.json(), await wrongSecret.json());
  });

  test('a wrong secret with client_secret_post is 401 invalid_client', async () => {
    const response = await postForm(`${tessera.url}/token`, undefined, {
      grant_type: 'client_credentials',
      client_id: billing.client_id,
      client_secret: 'tsr_cs_wrong',
    });
    assert.equal(response.status, 401);
    assert.equal(await errorOf(response), 'invalid_client');
  });

  test('an unknown resource is invalid_target', async () => {
    const response = await token(billing, { resource: 'https://unknown.example.test' });
    assert.equal(response.status, 400);
    assert.equal(await errorOf(response), 'invalid_target');
  });

  test('a resource the client may not use is invalid_target', async () => {
    const response = await token(other, { resource: JWT_API });
    assert.equal(response.status, 400);
    assert.equal(await errorOf(response), 'invalid_target');
  });

  test('two resources at once are invalid_target', async () => {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    body.append('resource', JWT_API);
    body.append('resource', OPAQUE_API);
    const response = await fetch(`${tessera.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(billing) },
      body,
    });
    assert.equal(response.status, 400);
    assert.equal(await errorOf(response), 'invalid_target');
  });

  test('an unknown scope is invalid_scope', async () => {
    const response = await token(billing, { resource: JWT_API, scope: 'nonsense' });
    assert.equal(response.status, 400);
    assert.equal(await errorOf(response), 'invalid_scope');
  });

  test('a scope the API defines but the client was not given is invalid_scope', async () => {
    const response = await token(billing, { resource: JWT_API, scope: 'groups:read-write' });
    assert.equal(response.status, 400);
    assert.equal(await errorOf(response), 'invalid_scope');
  });

  test('a grant the client is not registered for is unauthorized_client', async () => {
    const response = await postForm(`${tessera.url}/token`, billing, {
      grant_type: 'authorization_code',
      code: 'x',
      redirect_uri: 'https://x.test/cb',
    });
    assert.equal(response.status, 400);
    assert.equal(await errorOf(response), 'unauthorized_client');
  });

  test('a grant Tessera does not offer is unsupported_grant_type', async () => {
    const response = await postForm(`${tessera.url}/token`, billing, {
      grant_type: 'password',
      username: 'a',
      password: 'b',
    });
    assert.equal(response.status, 400);
    assert.equal(await errorOf(response), 'unsupported_grant_type');
  });

  for (const path of ['/token/introspection', '/token/revocation']) {
    test(`${path} without any client authentication is 401 invalid_client with a Basic challenge`, async () => {
      const response = await postForm(`${tessera.url}${path}`, undefined, { token: 'anything' });
      assert.equal(response.status, 401);
      assert.deepEqual(await response.json(), {
        error: 'invalid_client',
        error_description: 'no client authentication mechanism provided',
      });
      assert.equal(response.headers.get('www-authenticate'), `Basic realm="${tessera.url}"`);
      assert.equal(response.headers.get('cache-control'), 'no-store');
    });
  }

  for (const path of ['/token', '/token/introspection', '/token/revocation']) {
    test(`malformed bodies at ${path} get a 4xx OAuth error, never a 500`, async () => {
      const bodies: { type: string; body: string | Uint8Array }[] = [
        { type: 'application/json', body: '{"grant_type":"client_credentials"}' },
        { type: 'application/json', body: '{not json' },
        { type: 'application/x-www-form-urlencoded', body: '' },
        { type: 'application/x-www-form-urlencoded', body: `token=${'a'.repeat(200_000)}` },
        {
          type: 'application/x-www-form-urlencoded',
          body: new Uint8Array([0x74, 0x6f, 0x6b, 0x65, 0x6e, 0x3d, 0xff, 0xfe, 0xc3]),
        },
        { type: 'application/x-www-form-urlencoded; charset=bogus', body: 'token=abc' },
        { type: 'text/plain', body: 'hello' },
        {
          type: 'application/x-www-form-urlencoded',
          body: 'grant_type=client_credentials&grant_type=client_credentials',
        },
      ];
      for (const { type, body } of bodies) {
        const response = await fetch(`${tessera.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': type, authorization: basicAuth(billing) },
          body,
        });
        assert.ok(
          (response.status >= 400 && response.status < 500) || (path !== '/token' && response.status === 200),
          `${type} → ${response.status}`,
        );
        const text = await response.text();
        assert.doesNotMatch(text, /\bat .+\.(js|ts):\d+/, 'no stack trace');
        if (response.status >= 400)
          assert.ok(typeof (JSON.parse(text) as { error?: string }).error === 'string');
      }
    });
  }

  // Issue 13: a NUL (or invalid UTF-8) in client_id reached PostgreSQL and came back a 500, with two
  // ERROR lines and stack traces in the log, for anyone unauthenticated.
  for (const clientId of ['cl_\u0000x', '\u0000', 'cl_\ud800']) {
    for (const path of ['/token', '/token/introspection', '/token/revocation']) {
      test(`client_id ${JSON.stringify(clientId)} at ${path} is 401 invalid_client`, async () => {
        const response = await postForm(`${tessera.url}${path}`, undefined, {
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: 'tsr_cs_x',
          token: 'abc',
        });
        assert.equal(response.status, 401);
        assert.equal(await errorOf(response), 'invalid_client');
      });
    }
    for (const path of ['/auth', '/session/end']) {
      test(`client_id ${JSON.stringify(clientId)} at ${path} is 400 invalid_client`, async () => {
        const query = new URLSearchParams({
          client_id: clientId,
          response_type: 'code',
          scope: 'openid',
          redirect_uri: 'https://app.example.test/cb',
        });
        const response = await fetch(`${tessera.url}${path}?${query}`, { redirect: 'manual' });
        assert.equal(response.status, 400);
        assert.equal(await errorOf(response), 'invalid_client');
      });
    }
  }

  test('raw invalid UTF-8 in client_id is refused like any unknown client', async () => {
    const response = await fetch(`${tessera.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=cl_%FF%FE%00&client_secret=x',
    });
    assert.equal(response.status, 401);
    assert.equal(await errorOf(response), 'invalid_client');
  });

  for (const [method, path] of [
    ['GET', '/no-such-endpoint'],
    ['POST', '/session/end'],
    ['DELETE', '/token'],
  ] as const) {
    test(`${method} ${path}, which no endpoint serves, is a 404 OAuth JSON error`, async () => {
      const response = await fetch(`${tessera.url}${path}`, { method });
      assert.equal(response.status, 404);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(await errorOf(response), 'invalid_request');
    });
  }

  test('none of these requests logged an ERROR', () => {
    const errors = tessera
      .logs()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    assert.deepEqual(errors, []);
  });

  test('introspection of anything Tessera will not vouch for is exactly {"active": false}', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const jwks = (await (await fetch(`${tessera.url}/jwks`)).json()) as {
      keys: { kid: string; alg: string }[];
    };
    const tesseraKid = jwks.keys.find((key) => key.alg === 'ES256')?.kid ?? '';
    const claims = {
      client_id: billing.client_id,
      sub: billing.client_id,
      scope: 'groups:read-only',
      jti: 'forged',
    };
    const foreign = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: tesseraKid })
      .setIssuer(tessera.url)
      .setAudience(JWT_API)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    const body = Buffer.from(
      JSON.stringify({ ...claims, iss: tessera.url, aud: JWT_API, exp: 4102444800 }),
    ).toString('base64url');
    const genuine = (await (await token(billing, { resource: JWT_API })).json()) as { access_token: string };
    const [h, p, s] = genuine.access_token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), scope: 'groups:read-write' })).toString('base64url')}.${s}`;

    for (const candidate of [
      'garbage',
      '',
      'a.b.c',
      `${header}.${body}.`,
      foreign,
      tampered,
      'x'.repeat(5000),
    ]) {
      const response = await postForm(`${tessera.url}/token/introspection`, resourceServer, {
        token: candidate,
      });
      if (candidate === '') {
        assert.equal(response.status, 400, 'a missing token is a malformed request');
        continue;
      }
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { active: false }, candidate.slice(0, 40));
    }
  });

  test("a client cannot revoke another client's token, which stays active", async () => {
    const issued = (await (await token(billing, { resource: OPAQUE_API })).json()) as {
      access_token: string;
    };
    const response = await postForm(`${tessera.url}/token/revocation`, other, { token: issued.access_token });
    assert.equal(response.status, 400);
    assert.equal(await errorOf(response), 'invalid_request');
    const view = await postForm(`${tessera.url}/token/introspection`, resourceServer, {
      token: issued.access_token,
    });
    assert.equal(((await view.json()) as { active: boolean }).active, true);
  });

  test('revoking garbage answers 200 and changes nothing', async () => {
    const response = await postForm(`${tessera.url}/token/revocation`, billing, { token: 'no-such-token' });
    assert.equal(response.status, 200);
  });

  test('deleting a client kills its tokens at introspection', async () => {
    const doomed = await cliJson<RegisteredClient>(env, [
      'clients',
      'create',
      '--name',
      'doomed',
      '--resources',
      OPAQUE_API,
    ]);
    const issued = (await (await token(doomed, { resource: OPAQUE_API })).json()) as { access_token: string };
    const check = async () =>
      (await (
        await postForm(`${tessera.url}/token/introspection`, resourceServer, { token: issued.access_token })
      ).json()) as {
        active: boolean;
      };
    assert.equal((await check()).active, true);
    await cliJson(env, ['clients', 'delete', doomed.client_id]);
    assert.deepEqual(await check(), { active: false });
  });
});

/** The management API under the same input, on the embedded profile (PGlite). */
describe('/v1 under hostile input', () => {
  let tessera: TesseraInstance;
  let admin: string;
  const scope = suiteScope(after);

  before(async () => {
    const env = testEnv(scope);
    tessera = await startTessera(scope, env);
    const user = await runCli(
      env,
      ['users', 'create', '--username', 'hostile-admin', '--password-stdin', '--admin', '--json'],
      'correct horse battery staple\n',
    );
    assert.equal(user.code, 0, user.stderr);
    admin = (
      await cliJson<{ token: string }>(env, [
        'tokens',
        'create',
        '--user',
        'hostile-admin',
        '--name',
        'hostile',
        '--scopes',
        'admin',
        '--expires-in-days',
        '1',
      ])
    ).token;
  });

  const get = (path: string) =>
    fetch(`${tessera.url}${path}`, { headers: { authorization: `Bearer ${admin}` } });

  // Issue 13: NUL in an audit filter reached PostgreSQL and came back a 500.
  for (const parameter of ['actor', 'action', 'target_type', 'target_id']) {
    for (const value of ['%00', 'a%00b', '%ED%A0%80']) {
      test(`/v1/audit-events?${parameter}=${value} is a 400 naming ${parameter}`, async () => {
        const response = await get(`/v1/audit-events?${parameter}=${value}`);
        assert.equal(response.status, 400);
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
        const problem = (await response.json()) as { code: string; errors: { parameter: string }[] };
        assert.equal(problem.code, 'invalid_input');
        assert.deepEqual(
          problem.errors.map((error) => error.parameter),
          [parameter],
        );
      });
    }
  }

  test('a cursor this API did not make is a 400 naming cursor, whatever it holds', async () => {
    const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const path of ['/v1/audit-events', '/v1/access-tokens']) {
      for (const cursor of [
        'garbage',
        '!!!',
        encoded({ id: 'a\u0000' }),
        encoded({ id: 'abc' }),
        encoded({ id: 12 }),
        encoded({ createdAt: '-271821-04-20T00:00:00.000Z', id: 'tok_x' }),
      ]) {
        const response = await get(`${path}?cursor=${encodeURIComponent(cursor)}`);
        assert.equal(response.status, 400, `${path} ${cursor}`);
        const problem = (await response.json()) as { errors: { parameter: string }[] };
        assert.equal(problem.errors[0]?.parameter, 'cursor', `${path} ${cursor}`);
      }
    }
  });

  test('a NUL or a lone surrogate in a JSON body is a 400 pointing at the member, and nothing is created', async () => {
    for (const name of ['Shop\u0000', 'Shop\ud800']) {
      const response = await fetch(`${tessera.url}/v1/resources/groups/1`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, parent: null }),
      });
      assert.equal(response.status, 400);
      const problem = (await response.json()) as { errors: { pointer: string }[] };
      assert.equal(problem.errors[0]?.pointer, '/name');
    }
    assert.equal((await get('/v1/resources/groups/1')).status, 404);
  });

  test('none of these requests logged an ERROR', () => {
    const errors = tessera
      .logs()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    assert.deepEqual(errors, []);
  });
});
