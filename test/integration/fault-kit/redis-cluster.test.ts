import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { parseRedisUrl } from '../../../src/config/redis-url.ts';
import {
  type RedisCluster,
  type RedisClusterNode,
  startRedisCluster,
} from '../../helpers/fault/redis-cluster.ts';
import { waitUntil } from '../../helpers/fault/wait-until.ts';
import { suiteScope } from '../../helpers/tessera-process.ts';

// disconnectTimeout 0: a client whose server is gone otherwise keeps the test process alive 2 s.
const QUICK_DISCONNECT = { disconnectTimeout: 0, maxRetriesPerRequest: 1 };

/** Writes `before` (replicated), freezes the replica, writes `after`: WAIT tells what each reached. */
const writeAroundFreeze = async (cluster: RedisCluster, master: RedisClusterNode, key: string) => {
  const replica = await cluster.replicaOf(master);
  // One connection for SET and WAIT: WAIT counts replicas that have this connection's writes.
  const connection = new Redis(master.port, QUICK_DISCONNECT);
  try {
    await connection.set(`${key}:before`, '1');
    assert.equal(await connection.wait(1, 2_000), 1, 'the replica acknowledges while replication flows');
    await cluster.freezeReplicationTo(replica);
    assert.equal(await connection.set(`${key}:after`, '1'), 'OK', 'the master acknowledges the write');
    assert.equal(await connection.wait(1, 200), 0, 'the frozen replica does not');
  } finally {
    connection.disconnect();
  }
  return replica;
};

test('a Redis Cluster of 3 masters and 3 replicas fails over to a frozen replica, which misses the last writes', async (t) => {
  // Clean-up last in, first out: the client disconnects before the cluster it talks to is killed.
  const scope = suiteScope((cleanup) => t.after(cleanup));
  const started = Date.now();
  const cluster = await startRedisCluster(scope);
  const startMs = Date.now() - started;
  const info = String(await cluster.nodes[0]?.server.command(['CLUSTER', 'INFO']));
  assert.match(info, /cluster_state:ok/);
  assert.match(info, /cluster_known_nodes:6/);
  assert.equal((await cluster.masters()).length, 3);

  const config = parseRedisUrl(cluster.url);
  assert.ok(config.mode === 'cluster', 'the URL is a cluster URL Tessera accepts');
  const client = new Cluster(config.nodes, { redisOptions: QUICK_DISCONNECT });
  scope.after(() => client.disconnect());

  // Automatic failover: the cluster notices the dead master after cluster-node-timeout.
  const first = await cluster.masterForKey('revoked:{a}');
  const firstReplica = await writeAroundFreeze(cluster, first, 'revoked:{a}');
  let failoverStarted = Date.now();
  await cluster.killMaster(first);
  await cluster.waitForFailover(firstReplica);
  const automaticMs = Date.now() - failoverStarted;
  assert.equal(
    await cluster.masterForKey('revoked:{a}'),
    firstReplica,
    'the promoted replica serves the slot',
  );
  assert.equal(await firstReplica.server.command(['GET', 'revoked:{a}:before']), '1');
  assert.equal(await firstReplica.server.command(['GET', 'revoked:{a}:after']), null);
  assert.equal(
    await client.get('revoked:{a}:after'),
    null,
    'a cluster client follows the failover and finds it gone',
  );

  // Forced failover: the replica takes over at once, without the other masters' vote.
  const second = await cluster.masterForKey('revoked:{b}');
  const secondReplica = await writeAroundFreeze(cluster, second, 'revoked:{b}');
  failoverStarted = Date.now();
  await cluster.killMaster(second);
  await cluster.waitForFailover(secondReplica, { takeover: true });
  const takeoverMs = Date.now() - failoverStarted;
  assert.equal(await client.get('revoked:{b}:before'), '1');
  assert.equal(await client.get('revoked:{b}:after'), null);

  t.diagnostic(
    `cluster started in ${startMs} ms; failover: automatic ${automaticMs} ms, takeover ${takeoverMs} ms`,
  );
});

test('replication frozen to a replica delivers what it held once thawed', async (t) => {
  const cluster = await startRedisCluster(t);
  const master = await cluster.masterForKey('{thaw}');
  const replica = await writeAroundFreeze(cluster, master, '{thaw}');
  // A replica answers keyless commands; it holds 1 key while frozen, 2 once thawed.
  assert.equal(await replica.server.command(['DBSIZE']), 1);
  cluster.thawReplicationTo(replica);
  await waitUntil(
    'the thawed replica holding both keys',
    async () => (await replica.server.command(['DBSIZE'])) === 2,
  );
});
