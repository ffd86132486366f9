import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import { createReportRateLimit } from '../../../src/http/leaked-tokens/report-rate-limit.ts';
import {
  createMemoryAttemptCounters,
  createRedisAttemptCounters,
} from '../../../src/storage/attempt-counters.ts';
import { parseRedisUrl } from '../../../src/config/redis-url.ts';
import { createRedis } from '../../../src/storage/redis.ts';
import { startRedisServer } from '../../helpers/fault/redis-server.ts';

/**
 * The leak report limit: shared by every instance through Redis, and still a limit (per instance,
 * in memory) while Redis is down, rather than an error or an open door.
 */
const addressHash = createPepperHash('p'.repeat(32), 'leak-report-address');

const refusals = async (limit: { count(ip: string): Promise<void> }, ip: string, times: number) => {
  let refused = 0;
  for (let i = 0; i < times; i += 1) {
    try {
      await limit.count(ip);
    } catch (error) {
      assert.equal((error as { code?: string }).code, 'rate_limited');
      refused += 1;
    }
  }
  return refused;
};

describe('the leaked-token report rate limit', () => {
  test('is shared by two instances through Redis, per address', async (t) => {
    const server = await startRedisServer(t);
    const clients = [createRedis(parseRedisUrl(server.url)), createRedis(parseRedisUrl(server.url))];
    t.after(() => clients.forEach((client) => client.disconnect()));
    const [a, b] = clients.map((redis) =>
      createReportRateLimit({
        counters: createRedisAttemptCounters(redis, 'test:'),
        fallback: createMemoryAttemptCounters(),
        perMinute: 3,
        addressHash,
      }),
    );
    assert.equal(await refusals(a!, '192.0.2.1', 2), 0);
    assert.equal(await refusals(b!, '192.0.2.1', 2), 1); // the 4th of the minute, on the other instance
    assert.equal(await refusals(b!, '192.0.2.2', 3), 0);
    const keys = (await server.command(['KEYS', '*'])) as string[];
    assert.ok(
      keys.every((key) => !key.includes('192.0.2')),
      'addresses are stored as HMACs',
    );
  });

  test('still holds, in this process memory, while Redis is down', async (t) => {
    const server = await startRedisServer(t);
    const redis = createRedis(parseRedisUrl(server.url));
    t.after(() => redis.disconnect());
    const limit = createReportRateLimit({
      counters: createRedisAttemptCounters(redis, 'test:'),
      fallback: createMemoryAttemptCounters(),
      perMinute: 3,
      addressHash,
    });
    assert.equal(await refusals(limit, '192.0.2.1', 1), 0);
    await server.stop();
    assert.equal(await refusals(limit, '192.0.2.1', 5), 2);
  });
});
