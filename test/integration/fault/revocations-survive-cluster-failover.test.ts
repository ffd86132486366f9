import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster } from 'ioredis';
import { startRedisCluster } from '../../helpers/fault/redis-cluster.ts';
import { waitUntil } from '../../helpers/fault/wait-until.ts';
import { suiteScope } from '../../helpers/tessera-process.ts';
import { activeByKind, KINDS, startRevocationDeployment } from './revocation-fixture.ts';

/**
 * The same on a real Redis Cluster, 3 masters + 3 replicas: replication to one master's replica
 * frozen, revocations acknowledged, that master killed, its replica elected. The keys in its slots
 * go back to what they were; no revoked token comes back to life.
 */
test('after a Redis Cluster failover to a lagging replica no acknowledged revocation is undone', async (t) => {
  const started = Date.now();
  const scope = suiteScope((cleanup) => t.after(cleanup));
  const cluster = await startRedisCluster(scope);
  const deployment = await startRevocationDeployment(scope, { redisUrl: cluster.url });
  const ready = Date.now();

  const issued = await Promise.all(
    KINDS.flatMap((kind) => Array.from({ length: 12 }, () => deployment.issue(kind))),
  );
  const revoked = issued.filter((_, index) => index % 2 === 0);
  const live = issued.filter((_, index) => index % 2 === 1);

  const [master] = await cluster.masters();
  assert.ok(master);
  const replica = await cluster.replicaOf(master);
  await cluster.freezeReplicationTo(replica);
  await Promise.all(revoked.map((token) => deployment.revoke(token)));
  assert.deepEqual(await activeByKind(deployment, revoked), {
    jwt: '0/6',
    opaque: '0/6',
    pat: '0/6',
    rat: '0/6',
  });
  await cluster.killMaster(master);
  await cluster.waitForFailover(replica);
  // A load balancer sends traffic again once /readyz says every slot is served: so do we. Until
  // Tessera has learnt the new topology, what needs Redis is a fast 503 with Retry-After.
  await waitUntil(
    'Tessera serves every slot again',
    async () => (await fetch(`${deployment.url()}/readyz`)).status === 200,
    { timeoutMs: 15_000 },
  );

  const client = new Cluster([{ host: '127.0.0.1', port: replica.port }], {
    redisOptions: { maxRetriesPerRequest: 1 },
  });
  const reverted = await deployment.liveInRedis(client, revoked);
  client.disconnect();
  assert.ok(reverted > 0, 'the elected replica holds revoked tokens as live: the fault happened');

  const afterFailover = await activeByKind(deployment, revoked);
  assert.deepEqual(afterFailover, { jwt: '0/6', opaque: '0/6', pat: '0/6', rat: '0/6' });
  const liveAfter = await activeByKind(deployment, live);
  assert.equal(liveAfter.jwt, '6/6');
  assert.equal(liveAfter.pat, '6/6', 'PATs come back from Postgres');
  assert.equal(liveAfter.rat, '6/6', 'RATs come back from Postgres');
  t.diagnostic(
    `cluster failover: ${reverted} revoked tokens live again in Redis; active after failover ${JSON.stringify(afterFailover)}; live ${JSON.stringify(liveAfter)}; ${Date.now() - started} ms (set-up ${ready - started} ms)`,
  );
});
