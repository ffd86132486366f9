import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { createRedis } from '../../src/storage/redis.ts';
import { skipOrFailUnreachable } from './unreachable.ts';

export type RedisPrefix = { redis: Redis; redisUrl: string; prefix: string };

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let reachable: Promise<string | undefined> | undefined;

const probe = (): Promise<string | undefined> => {
  reachable ??= (async () => {
    const client = new Redis(REDIS_URL, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // The socket error says why (ECONNREFUSED…); the rejected connect() only says it closed.
    let cause: string | undefined;
    client.on('error', (error: Error) => {
      cause ??= error.message;
    });
    try {
      await client.connect();
      await client.ping();
      return undefined;
    } catch (error) {
      return cause ?? (error as Error).message;
    } finally {
      client.disconnect();
    }
  })();
  return reachable;
};

const displayUrl = (url: string) => url.replace(/\/\/[^@/]*@/, '//');

/** Deletes the prefix's keys with SCAN + DEL: the server may be shared, so never FLUSHALL. */
export const deleteKeysWithPrefix = async (redis: Redis, prefix: string): Promise<void> => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
};

/**
 * A Redis client and a key prefix of the test's own; the prefix's keys are deleted after the
 * test. Undefined when the test was skipped (Redis unreachable outside CI).
 */
export const withRedisPrefix = async (t: TestContext): Promise<RedisPrefix | undefined> => {
  const problem = await probe();
  if (problem !== undefined) {
    return skipOrFailUnreachable(t, `Redis not reachable at ${displayUrl(REDIS_URL)}: ${problem}`);
  }
  // Hex only: nothing in the prefix is a SCAN glob character.
  const prefix = `tessera-test:${randomBytes(6).toString('hex')}:`;
  const redis = createRedis(
    { mode: 'standalone', url: REDIS_URL },
    { connectionName: 'tessera-test' },
  ) as Redis;
  t.after(async () => {
    try {
      await deleteKeysWithPrefix(redis, prefix);
    } finally {
      redis.disconnect();
    }
  });
  return { redis, redisUrl: REDIS_URL, prefix };
};
