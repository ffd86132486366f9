import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisPrimaryReplica } from '../../helpers/fault/redis-primary-replica.ts';
import { suiteScope } from '../../helpers/tessera-process.ts';

test('a replica promoted while its replication was held back lacks what the primary acknowledged since', async (t) => {
  // Clean-up last in, first out: the client disconnects before the servers it talks to are killed.
  const scope = suiteScope((cleanup) => t.after(cleanup));
  const pair = await startRedisPrimaryReplica(scope);
  const client = new Redis(pair.url, { maxRetriesPerRequest: 1 });
  scope.after(() => client.disconnect());

  await client.set('revoked:before', '1');
  await pair.waitForReplica();
  pair.holdReplication();
  assert.equal(await client.set('revoked:after', '1'), 'OK', 'the primary acknowledges the write');
  assert.equal(await client.wait(1, 200), 0, 'the primary sees the replica lagging, not gone');
  assert.equal((await pair.replica.info('replication')).master_link_status, 'up');

  await pair.killPrimary();
  await pair.promoteReplica();

  assert.equal((await pair.replica.info('replication')).role, 'master');
  assert.equal(
    await client.get('revoked:before'),
    '1',
    'the service address now leads to the promoted replica',
  );
  assert.equal(
    await client.get('revoked:after'),
    null,
    'the write acknowledged while replication was held is lost',
  );
});

test('a held replication link delivers what it held once released', async (t) => {
  const pair = await startRedisPrimaryReplica(t);
  pair.holdReplication();
  await pair.primary.command(['SET', 'held', '1']);
  assert.equal(await pair.replica.command(['GET', 'held']), null);
  pair.releaseReplication();
  await pair.waitForReplica();
  assert.equal(await pair.replica.command(['GET', 'held']), '1');
});
