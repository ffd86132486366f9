import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPostgresServer } from '../../helpers/fault/postgres-server.ts';
import { startRedisCluster } from '../../helpers/fault/redis-cluster.ts';
import { startTesseraInstance, tesseraDeploymentEnv } from '../../helpers/fault/tessera-instance.ts';
import { waitUntil } from '../../helpers/fault/wait-until.ts';

type Readiness = { status: string; checks: Record<string, string>; details?: Record<string, string> };

const readyz = async (url: string) => {
  const started = performance.now();
  const response = await fetch(`${url}/readyz`);
  return {
    status: response.status,
    body: (await response.json()) as Readiness,
    ms: performance.now() - started,
  };
};

test('a Redis Cluster master down before its replica takes over: /readyz says which slots are unserved, fast', async (t) => {
  // A long node timeout: the cluster does not fail over while the test looks.
  const [cluster, postgres] = await Promise.all([
    startRedisCluster(t, { nodeTimeoutMs: 60_000 }),
    startPostgresServer(t),
  ]);
  const env = tesseraDeploymentEnv(t, { databaseUrl: postgres.url, redisUrl: cluster.url });
  const tessera = await startTesseraInstance(t, env);
  await waitUntil('Tessera ready', async () => (await readyz(tessera.url)).status === 200);
  assert.deepEqual((await readyz(tessera.url)).body.checks, { database: 'ok', redis: 'ok', keys: 'ok' });

  const [master] = await cluster.masters();
  assert.ok(master);
  await cluster.killMaster(master);

  const outage = await waitUntil(
    'readyz reports the dead master',
    async () => {
      const answer = await readyz(tessera.url);
      return answer.status === 503 ? answer : undefined;
    },
    { timeoutMs: 5_000 },
  );
  assert.equal(outage.body.checks.redis, 'unavailable');
  assert.equal(outage.body.checks.database, 'ok');
  assert.match(outage.body.details?.redis ?? '', /1 of 3 masters unreachable \(slots \d+-\d+\)/);
  assert.ok(outage.ms < 1_000, `answered in ${outage.ms} ms`);
  // What needs no Redis goes on: the keys and discovery.
  assert.equal((await fetch(`${tessera.url}/jwks`)).status, 200);
  assert.equal((await fetch(`${tessera.url}/.well-known/openid-configuration`)).status, 200);
});
