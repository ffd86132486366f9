import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisPrimaryReplica } from '../../helpers/fault/redis-primary-replica.ts';
import { suiteScope } from '../../helpers/tessera-process.ts';
import { activeByKind, KINDS, startRevocationDeployment } from './revocation-fixture.ts';

/**
 * Redis fails over to a replica that never received the last writes: the primary acknowledged the
 * revocations (and Tessera answered 200), replication was held back, the primary died, the replica
 * was promoted. Redis now holds the tokens as they were before they were revoked; Postgres does
 * not, and Postgres wins.
 */
test('after a failover to a lagging replica no acknowledged revocation is undone', async (t) => {
  const started = Date.now();
  const scope = suiteScope((cleanup) => t.after(cleanup));
  const pair = await startRedisPrimaryReplica(scope);
  const deployment = await startRevocationDeployment(scope, { redisUrl: pair.url });
  const ready = Date.now();

  const issued = await Promise.all(
    KINDS.flatMap((kind) => [0, 1, 2, 3, 4, 5].map(() => deployment.issue(kind))),
  );
  const revoked = issued.filter((_, index) => index % 2 === 0);
  const live = issued.filter((_, index) => index % 2 === 1);
  await pair.waitForReplica();

  pair.holdReplication();
  await Promise.all(revoked.map((token) => deployment.revoke(token)));
  assert.deepEqual(await activeByKind(deployment, revoked), {
    jwt: '0/3',
    opaque: '0/3',
    pat: '0/3',
    rat: '0/3',
  });
  await pair.killPrimary();
  await pair.promoteReplica();

  const promoted = new Redis(pair.replica.url, { maxRetriesPerRequest: 1 });
  const reverted = await deployment.liveInRedis(promoted, revoked);
  promoted.disconnect();
  assert.ok(reverted > 0, 'the promoted replica holds revoked tokens as live: the fault happened');

  const afterFailover = await activeByKind(deployment, revoked);
  assert.deepEqual(afterFailover, { jwt: '0/3', opaque: '0/3', pat: '0/3', rat: '0/3' });
  assert.deepEqual(await activeByKind(deployment, live), {
    jwt: '3/3',
    opaque: '3/3',
    pat: '3/3',
    rat: '3/3',
  });
  t.diagnostic(
    `primary/replica failover: ${reverted} revoked tokens live again in Redis; active after failover ${JSON.stringify(afterFailover)}; ${Date.now() - started} ms (set-up ${ready - started} ms)`,
  );
});
