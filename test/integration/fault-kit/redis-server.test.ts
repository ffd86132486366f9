import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRedisServer } from '../../helpers/fault/redis-server.ts';

test('a private redis-server can be paused, resumed, flushed, killed and started again empty', async (t) => {
  const redis = await startRedisServer(t);
  assert.notEqual(redis.port, 6379);
  await redis.command(['SET', 'revoked:1', 'yes']);

  redis.pause();
  await assert.rejects(redis.command(['GET', 'revoked:1'], { timeoutMs: 300 }), /timeout/i);
  redis.resume();
  assert.equal(await redis.command(['GET', 'revoked:1']), 'yes');

  await redis.flushAll();
  assert.equal(await redis.command(['DBSIZE']), 0);

  await redis.command(['SET', 'revoked:2', 'yes']);
  const crashedPid = redis.pid;
  await redis.kill();
  await assert.rejects(redis.command(['PING'], { timeoutMs: 300 }), /ECONNREFUSED|closed/i);
  await redis.start();
  assert.notEqual(redis.pid, crashedPid);
  assert.equal(await redis.command(['GET', 'revoked:2']), null, 'no persistence: a restart comes back empty');
});
