import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type Scope, testEnv } from './tessera-process.ts';

/** A test (which can skip) or a suite scope (which cannot: there, unreachable servers fail). */
type SkippableScope = Scope & { skip?: (message: string) => void };

/**
 * Environment for the production profile: a fresh PostgreSQL database and a private Redis key
 * prefix per test file, both removed afterwards. Without reachable servers the test is skipped —
 * except under CI=true, where that is a failure.
 */
export const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const unavailable = (t: SkippableScope, what: string, error: unknown): undefined => {
  const message = `${what} is not reachable (${(error as Error).message})`;
  if (process.env.CI === 'true' || !t.skip) throw new Error(`${message}; CI requires it`);
  t.skip(message);
  return undefined;
};

export const redisKeys = async (redis: Redis, prefix: string): Promise<string[]> => {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
};

export type ProductionEnv = {
  env: Record<string, string>;
  databaseUrl: string;
  redisPrefix: string;
  redis: Redis;
  sql: (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;
};

export const productionEnv = async (
  t: SkippableScope,
  overrides: Record<string, string> = {},
): Promise<ProductionEnv | undefined> => {
  const suffix = randomBytes(6).toString('hex');
  const database = `tessera_test_${suffix}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await admin.connect();
    await admin.query(`create database ${database}`);
  } catch (error) {
    await admin.end().catch(() => {});
    return unavailable(t, `PostgreSQL at ${POSTGRES_URL}`, error);
  }
  const redis = new Redis(REDIS_URL, {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    await admin.query(`drop database ${database}`).catch(() => {});
    await admin.end();
    return unavailable(t, `Redis at ${REDIS_URL}`, error);
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  const redisPrefix = `tessera-test-${suffix}:`;
  const reader = new pg.Client({ connectionString: databaseUrl });
  await reader.connect();

  t.after(async () => {
    await reader.end();
    const keys = await redisKeys(redis, redisPrefix);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  return {
    databaseUrl,
    redisPrefix,
    redis,
    sql: async (text, values) => (await reader.query(text, values)).rows,
    env: testEnv(t, {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      TESSERA_REDIS_PREFIX: redisPrefix,
      TESSERA_SECRET_PEPPER: randomBytes(32).toString('base64url'),
      TESSERA_COOKIE_KEYS: randomBytes(32).toString('base64url'),
      TESSERA_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      ...overrides,
    }),
  };
};

/**
 * For suites that start a server in `before`: the reason to skip them when PostgreSQL or Redis is
 * unreachable, or false. Under CI=true it is always false, so the suite runs and fails loudly.
 */
export const productionSkipReason = async (): Promise<string | false> => {
  if (process.env.CI === 'true') return false;
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: 2000 });
  try {
    await client.connect();
    await redis.connect();
    return false;
  } catch (error) {
    return `PostgreSQL or Redis is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
    redis.disconnect();
  }
};
