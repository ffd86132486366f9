import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AttemptCounters,
  createMemoryAttemptCounters,
  createRedisAttemptCounters,
} from '../../../src/storage/attempt-counters.ts';
import { withRedisPrefix } from '../../helpers/redis.ts';

/** Both implementations count the same way: one window per key, opened by its first hit. */
const behaves = async (counters: AttemptCounters) => {
  assert.deepEqual(await counters.peek('k'), { count: 0, resetsInSeconds: 0 });
  assert.equal((await counters.hit('k', 60)).count, 1);
  const second = await counters.hit('k', 600);
  assert.equal(second.count, 2);
  assert.ok(second.resetsInSeconds > 0 && second.resetsInSeconds <= 60, 'the first hit set the window');
  assert.equal((await counters.peek('k')).count, 2);
  assert.equal((await counters.hit('other', 60)).count, 1);
  await counters.reset('k');
  assert.equal((await counters.peek('k')).count, 0);
  assert.equal((await counters.peek('other')).count, 1);
};

describe('attempt counters', () => {
  test('count hits per key in memory, and forget a window once it closes', async () => {
    let now = 0;
    const counters = createMemoryAttemptCounters({ now: () => now });
    await behaves(counters);
    now += 60_000;
    assert.equal((await counters.peek('other')).count, 0);
  });

  test('keep memory bounded under a flood of keys', async () => {
    const counters = createMemoryAttemptCounters({ now: () => 0, maxKeys: 10 });
    for (let i = 0; i < 100; i += 1) await counters.hit(`key-${i}`, 60);
    assert.equal((await counters.peek('key-99')).count, 1);
    assert.equal((await counters.peek('key-0')).count, 0);
  });

  test('count hits per key in Redis, shared by every instance', async (t) => {
    const context = await withRedisPrefix(t);
    if (!context) return;
    await behaves(createRedisAttemptCounters(context.redis, context.prefix));
    const keys = await context.redis.keys(`${context.prefix}attempts:*`);
    assert.deepEqual(keys, [`${context.prefix}attempts:other`]);
  });
});
