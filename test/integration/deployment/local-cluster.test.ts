import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { type LocalCluster, startLocalCluster } from '../../../deploy/local-cluster.ts';
import { steadyLoad } from '../../helpers/fault/steady-load.ts';
import { waitUntil } from '../../helpers/fault/wait-until.ts';
import { cliJson, runCli, suiteScope } from '../../helpers/tessera-process.ts';
import {
  basicAuth,
  form,
  JWT_API,
  OPAQUE_API,
  type RegisteredClient,
  registerFixtures,
} from '../../helpers/tessera-setup.ts';

/**
 * deploy/local-cluster.ts as an operator runs it: three instances (A, B, C) behind HAProxy with
 * deploy/haproxy.cfg, a Redis Cluster (3 masters + 3 replicas) and a PostgreSQL of its own. The
 * instances share no folder: each has its own keys dir, so signing keys reach them only through
 * Postgres. A 1 s JWKS cache time keeps a staged rotation to 3 s.
 */
type Jwks = { keys: { kid: string }[] };

const post = async (url: string, path: string, who: RegisteredClient, values: Record<string, string>) => {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(who) },
    body: form(values),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `${url}${path}: ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
};

const api = async (url: string, token: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: () => JSON.parse(text) as Record<string, unknown>, text };
};

const jwksOf = async (url: string): Promise<Jwks> => (await (await fetch(`${url}/jwks`)).json()) as Jwks;

describe('the local cluster deployment (3 instances, HAProxy, Redis Cluster, PostgreSQL)', () => {
  let cluster: LocalCluster;
  let urls: string[];
  let billing: RegisteredClient;
  let resourceServer: RegisteredClient;
  let admin: string;

  // Made here, not in the hook: an `after` registered while `before` runs would run right after it.
  const scope = suiteScope(after);
  before(async () => {
    cluster = await startLocalCluster(scope, { instances: 3, env: { TESSERA_JWKS_CACHE_SECONDS: '1' } });
    urls = cluster.instances.map((instance) => `http://127.0.0.1:${instance.port}`);
    ({ billing, resourceServer } = await registerFixtures(cluster.env));
    const created = await runCli(
      cluster.env,
      ['users', 'create', '--username', 'platform', '--admin', '--password-stdin', '--json'],
      'correct horse battery staple\n',
    );
    assert.equal(created.code, 0, created.stderr);
    ({ token: admin } = await cliJson<{ token: string }>(cluster.env, [
      'tokens',
      'create',
      '--user',
      'platform',
      '--name',
      'operator',
      '--scopes',
      'tokens:read tokens:write resources:write admin',
    ]));
  });

  test('a token issued on A is active on B; revoked on C, it is inactive everywhere at the first check', async () => {
    const [a, b, c] = urls as [string, string, string];
    const issued = await post(a, '/token', billing, {
      grant_type: 'client_credentials',
      resource: OPAQUE_API,
    });
    const token = String(issued.access_token);
    assert.equal((await post(b, '/token/introspection', resourceServer, { token })).active, true);
    await post(c, '/token/revocation', billing, { token });
    for (const url of urls) {
      const answer = await post(url, '/token/introspection', resourceServer, { token });
      assert.equal(answer.active, false, `inactive on ${url}`);
    }
  });

  test('a JWT issued on A is active on B; revoked on C, it is inactive everywhere at the first check', async () => {
    const [a, b, c] = urls as [string, string, string];
    const issued = await post(a, '/token', billing, { grant_type: 'client_credentials', resource: JWT_API });
    const token = String(issued.access_token);
    assert.equal((await post(b, '/token/introspection', resourceServer, { token })).active, true);
    await post(c, '/token/revocation', billing, { token });
    // No waiting: C marks the jti in Redis before it answers, and A and B read the mark when their
    // in-memory revocation list (fed by the change bus and a 1 s poll) has no entry yet.
    for (const url of [c, a, b]) {
      const answer = await post(url, '/token/introspection', resourceServer, { token });
      assert.equal(answer.active, false, `inactive on ${url}`);
    }
  });

  test('a PAT created on A works on B; revoked on C, it is refused on every instance', async () => {
    const [a, b, c] = urls as [string, string, string];
    const created = await api(a, admin, 'POST', '/access-tokens', {
      name: 'ci',
      scopes: ['tokens:read'],
      expires_in_days: 1,
    });
    assert.equal(created.status, 201, created.text);
    const { token, id } = created.json() as { token: string; id: string };
    assert.equal((await api(b, token, 'GET', '/me')).status, 200);
    const revoked = await api(c, admin, 'DELETE', `/access-tokens/${id}`);
    assert.equal(revoked.status, 200, revoked.text);
    for (const url of urls) assert.equal((await api(url, token, 'GET', '/me')).status, 401, url);
  });

  test('a key rotation while tokens are issued through HAProxy: every JWT verifies against every instance’s /jwks', async (t) => {
    const oldKid = decodeProtectedHeader(
      String(
        (await post(cluster.url, '/token', billing, { grant_type: 'client_credentials', resource: JWT_API }))
          .access_token,
      ),
    ).kid;
    let running = true;
    const seen = new Map<string, number>();
    const failures: string[] = [];
    // Each token, the moment it arrives, is checked against what each instance publishes right then.
    const issueAndVerify = async () => {
      while (running) {
        try {
          const issued = await post(cluster.url, '/token', billing, {
            grant_type: 'client_credentials',
            resource: JWT_API,
          });
          const token = String(issued.access_token);
          const kid = decodeProtectedHeader(token).kid as string;
          seen.set(kid, (seen.get(kid) ?? 0) + 1);
          for (const url of urls) {
            await jwtVerify(token, createLocalJWKSet(await jwksOf(url)), {
              issuer: cluster.url,
              audience: JWT_API,
              typ: 'at+jwt',
            }).catch((error: unknown) => {
              throw new Error(
                `a token signed by ${kid} does not verify with ${url}/jwks: ${(error as Error).message}`,
              );
            });
          }
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const workers = [issueAndVerify(), issueAndVerify()];
    try {
      const rotated = await cliJson<{ added: { kid: string; alg: string }[] }>(cluster.env, [
        'keys',
        'rotate',
      ]);
      const newKid = rotated.added.find((key) => key.alg === 'ES256')?.kid as string;
      const rotatedAt = Date.now();
      await waitUntil('the new key published by every instance', async () => {
        const published = await Promise.all(urls.map(async (url) => (await jwksOf(url)).keys));
        return published.every((keys) => keys.some((key) => key.kid === newKid));
      });
      t.diagnostic(
        `the new key was published by all three instances ${Date.now() - rotatedAt} ms after the CLI returned`,
      );
      await waitUntil('tokens signed by the new key', () => (seen.get(newKid) ?? 0) >= 20, {
        timeoutMs: 30_000,
      });
    } finally {
      running = false;
      await Promise.all(workers);
    }
    assert.deepEqual(failures, []);
    assert.ok((seen.get(oldKid as string) ?? 0) > 0, 'tokens were issued before the rotation took effect');
    assert.equal(
      seen.size,
      2,
      `tokens were signed by the old and the new ES256 key only: ${[...seen.keys()]}`,
    );
  });

  test('every instance serves Prometheus metrics on its own port, and the public port does not', async () => {
    for (const [index, url] of cluster.metricsUrls.entries()) {
      const response = await fetch(url);
      assert.equal(response.status, 200, url);
      assert.match(await response.text(), /^# HELP /m);
      assert.equal((await fetch(`${urls[index]}/metrics`)).status, 404);
    }
  });

  test('a rolling restart of A, B and C loses no request', async (t) => {
    const load = steadyLoad(cluster.url, billing, resourceServer, admin, 2);
    try {
      for (const [index, name] of cluster.names.entries()) {
        const before = load.ok;
        await cluster.restart(index);
        assert.ok(load.ok > before, `requests were served while ${name} restarted`);
      }
    } finally {
      await load.stop();
    }
    t.diagnostic(`${load.ok} requests served during the restart`);
    if (load.errors.length > 0) {
      for (const instance of cluster.instances)
        t.diagnostic(
          instance
            .logs()
            .split('\n')
            .filter((line) => /"level":(40|50)/.test(line))
            .slice(0, 20)
            .join('\n'),
        );
    }
    assert.deepEqual(load.errors, [], 'no client saw an error');
  });
});
