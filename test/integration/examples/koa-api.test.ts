import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test, type TestContext } from 'node:test';
// As a user's project imports it: by the package's name (the workspace package packages/verify).
import { createVerifier, type VerifierOptions } from '@tessera/verify';
import { DEMO_TREE } from '../../../examples/koa-api/resource-tree.ts';
import { createExampleApi } from '../../../examples/koa-api/server.ts';
import {
  createPat,
  createRat,
  createUser,
  exchanged,
  type IssuedToken,
  putMember,
  putResources,
  TOKEN_EXCHANGE,
} from '../../helpers/platform-setup.ts';
import {
  cliJson,
  startTessera,
  suiteScope,
  testEnv,
  type TesseraInstance,
} from '../../helpers/tessera-process.ts';
import { postForm, type RegisteredClient } from '../../helpers/tessera-setup.ts';

/**
 * The example API (examples/koa-api) against a running Tessera (embedded profile), with every kind
 * of token a caller can bring: a service's client-credentials JWT, a PAT, a RAT, and a JWT
 * exchanged for a RAT.
 */
const API = 'https://api.example.test';
const ALL_SCOPES =
  'groups:read-only groups:read-write applications:read-only applications:read-write instances:read-only instances:read-write';

type Answer = { status: number; headers: Headers; body: Record<string, unknown> | undefined };

describe('the example koa API', () => {
  const scope = suiteScope(after);
  let tessera: TesseraInstance;
  let env: Record<string, string>;
  let apiClient: RegisteredClient;
  let service: RegisteredClient;
  let gateway: RegisteredClient;
  let bobId: string;

  before(async () => {
    env = testEnv(scope);
    tessera = await startTessera(scope, env);
    await cliJson(env, [
      'api-resources',
      'create',
      '--identifier',
      API,
      '--name',
      'Example API',
      '--format',
      'jwt',
      '--scopes',
      ALL_SCOPES,
      '--ttl',
      '300',
    ]);
    const client = (name: string, args: string[]) =>
      cliJson<RegisteredClient>(env, ['clients', 'create', '--name', name, '--resources', API, ...args]);
    // Every CLI call starts Node: what does not depend on each other runs in parallel.
    [apiClient, service, gateway, bobId] = await Promise.all([
      // The example API's own client: it introspects PATs and RATs.
      client('example-api', ['--introspects', API]),
      client('reporting', ['--scopes', 'applications:read-only instances:read-only']),
      client('gateway', ['--grant-types', TOKEN_EXCHANGE]),
      createUser(env, 'bob'),
      // Tessera mirrors the example's tree, as a platform syncs its own.
      putResources(
        env,
        DEMO_TREE.map((resource) => [
          `${resource.type}/${resource.id}`,
          resource.parent ? `${resource.parent.type}/${resource.parent.id}` : null,
        ]),
      ),
    ]);
    await putMember(env, 'groups/42', 'bob', 'maintainer');
  });

  /** The example API on a free port, trusting this Tessera; `introspection: false` makes it JWT-only. */
  const startExample = async (
    t: TestContext,
    options: Omit<Partial<VerifierOptions>, 'introspection'> & {
      introspection?: VerifierOptions['introspection'] | false;
    } = {},
  ) => {
    const { introspection, ...rest } = options;
    const verifier = createVerifier({
      issuer: tessera.url,
      audience: API,
      ...(introspection === false
        ? {}
        : {
            introspection: introspection ?? {
              clientId: apiClient.client_id,
              clientSecret: apiClient.client_secret,
            },
          }),
      ...rest,
    });
    const server = createServer(createExampleApi(verifier).callback());
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    t.after(async () => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      // fetch keeps connections alive; without this close() waits for their idle timeout.
      server.closeAllConnections();
      await closed;
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return async (method: string, path: string, token?: string, body?: unknown): Promise<Answer> => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      const json =
        response.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : undefined;
      return { status: response.status, headers: response.headers, body: json };
    };
  };

  const statuses = async (
    call: Awaited<ReturnType<typeof startExample>>,
    token: string,
    requests: [method: string, path: string, body?: unknown][],
  ) =>
    Promise.all(requests.map(async ([method, path, body]) => (await call(method, path, token, body)).status));

  test('answers 401 with an RFC 6750 challenge without a token and for a refused one', async (t) => {
    const call = await startExample(t);
    const none = await call('GET', '/groups/42');
    assert.equal(none.status, 401);
    // A Bearer challenge, and a DPoP one naming the proof algorithms (RFC 9449 §7.1): both schemes work.
    const [bearer, dpop] = (none.headers.get('www-authenticate') ?? '').split(/, (?=DPoP )/);
    assert.equal(bearer, `Bearer realm="${API}"`);
    assert.match(dpop ?? '', /^DPoP realm="[^"]+", algs="ES256[^"]*"$/);
    const garbage = await call('GET', '/groups/42', 'not-a-token');
    assert.equal(garbage.status, 401);
    assert.match(garbage.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const forged = await call('GET', '/groups/42', `tsr_pat_${'0'.repeat(49)}`);
    assert.equal(forged.status, 401);
  });

  test("a service's client-credentials JWT reads applications and instances and changes nothing", async (t) => {
    const call = await startExample(t);
    const response = await postForm(`${tessera.url}/token`, service, { grant_type: 'client_credentials' });
    const { access_token: jwt } = (await response.json()) as { access_token: string };
    assert.deepEqual((await call('GET', '/me', jwt)).body, {
      subject: service.client_id,
      kind: 'client',
      clientId: service.client_id,
      scopes: ['applications:read-only', 'instances:read-only'],
    });
    assert.deepEqual(
      await statuses(call, jwt, [
        ['GET', '/applications/7'],
        ['GET', '/instances/10'],
        ['GET', '/groups/42'],
        ['PUT', '/applications/7', { name: 'Renamed' }],
        ['DELETE', '/instances/9'],
      ]),
      [200, 200, 403, 403, 403],
    );
    const refused = await call('PUT', '/applications/7', jwt, { name: 'Renamed' });
    assert.match(
      refused.headers.get('www-authenticate') ?? '',
      /error="insufficient_scope".*scope="applications:read-write"/,
    );
  });

  test('a PAT acts wherever its scopes allow, through introspection', async (t) => {
    const call = await startExample(t);
    const pat = await createPat(env, 'bob', 'groups:read-only applications:read-write instances:read-write');
    const me = (await call('GET', '/me', pat.token)).body;
    assert.equal(me?.kind, 'personal');
    assert.equal(me?.subject, bobId);
    assert.equal(me?.tokenId, pat.id);

    const renamed = await call('PUT', '/applications/8', pat.token, { name: 'Depot' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body?.name, 'Depot');
    assert.deepEqual(
      await statuses(call, pat.token, [
        ['GET', '/groups/43'],
        ['DELETE', '/instances/10'],
      ]),
      [200, 204],
    );
    assert.equal((await call('GET', '/instances/10', pat.token)).status, 404);
    assert.equal((await call('PUT', '/applications/7', pat.token, ['not an object'])).status, 400);
  });

  test('a RAT acts on its group and everything below it, and is refused outside it', async (t) => {
    const call = await startExample(t);
    const rat: IssuedToken = await createRat(
      env,
      'groups/42',
      'developer',
      'groups:read-only applications:read-write instances:read-write',
    );
    const me = (await call('GET', '/me', rat.token)).body;
    assert.equal(me?.kind, 'resource');
    assert.equal(me?.subject, rat.bot_id);
    assert.deepEqual(me?.resource, { type: 'groups', id: '42' });
    assert.equal(me?.role, 'developer');

    assert.deepEqual(
      await statuses(call, rat.token, [
        ['GET', '/groups/42'],
        ['GET', '/applications/7'],
        ['PUT', '/applications/7', { name: 'Shop 2' }],
        ['DELETE', '/instances/9'],
      ]),
      [200, 200, 200, 204],
    );
    assert.deepEqual(
      await statuses(call, rat.token, [
        ['GET', '/groups/43'],
        ['GET', '/applications/8'],
        ['PUT', '/applications/8', { name: 'Mine now' }],
        ['DELETE', '/instances/10'],
        // Unknown ids have no ancestors: refused, not "not found", so nothing leaks outside the subtree.
        ['GET', '/applications/999'],
      ]),
      [403, 403, 403, 403, 403],
    );
    const outside = await call('PUT', '/applications/8', rat.token, { name: 'Mine now' });
    assert.match(outside.headers.get('www-authenticate') ?? '', /insufficient_scope/);
  });

  test('a JWT exchanged for a RAT gets the same answers from an API that validates JWTs offline only', async (t) => {
    const call = await startExample(t, { introspection: false });
    const rat = await createRat(
      env,
      'groups/42',
      'developer',
      'applications:read-write instances:read-write',
    );
    const { access_token: jwt } = await exchanged(tessera.url, gateway, rat.token, { resource: API });
    // Without introspection credentials the RAT itself is not accepted here; its exchanged JWT is.
    assert.equal((await call('GET', '/applications/7', rat.token)).status, 401);
    const me = (await call('GET', '/me', jwt)).body;
    assert.equal(me?.kind, 'resource');
    assert.equal(me?.subject, rat.bot_id);
    assert.equal(me?.clientId, gateway.client_id);
    assert.equal(me?.tokenId, rat.id);
    assert.deepEqual(
      await statuses(call, jwt, [
        ['PUT', '/applications/7', { name: 'Shop 3' }],
        ['DELETE', '/instances/9'],
        ['PUT', '/applications/8', { name: 'Nope' }],
        ['DELETE', '/instances/10'],
        ['GET', '/groups/42'],
      ]),
      [200, 204, 403, 403, 403],
    );
  });

  test("a revoked PAT is refused once the verifier's cache bound has passed", async (t) => {
    const clock = { time: Date.now() };
    const call = await startExample(t, { cache: { maxTtlSeconds: 5 }, now: () => clock.time });
    const pat = await createPat(env, 'bob', 'groups:read-only');
    assert.equal((await call('GET', '/groups/42', pat.token)).status, 200);
    await cliJson(env, ['tokens', 'revoke', pat.id]);
    assert.equal((await call('GET', '/groups/42', pat.token)).status, 200, 'cached for at most 5 s');
    clock.time += 5_000;
    const refused = await call('GET', '/groups/42', pat.token);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });
});
