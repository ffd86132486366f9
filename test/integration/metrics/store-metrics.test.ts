import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import knex from 'knex';
import { createMetrics } from '../../../src/metrics/create-metrics.ts';
import {
  observeConnectionChange,
  observePostgres,
  observeRedis,
} from '../../../src/metrics/store-metrics.ts';
import { parseRedisUrl } from '../../../src/config/redis-url.ts';
import { createRedis } from '../../../src/storage/redis.ts';
import { startRedisCluster } from '../../helpers/fault/redis-cluster.ts';
import { POSTGRES_URL, REDIS_URL } from '../../helpers/production-env.ts';
import { suiteScope } from '../../helpers/tessera-process.ts';
import { parseScrape, valueOf } from '../../helpers/prometheus-scrape.ts';

/** Store instruments on real clients of the real servers: every command timed, every failure counted. */
const scrapeOf = async (metrics: ReturnType<typeof createMetrics>) =>
  parseScrape(await metrics.registry.metrics());

test('times each Redis command and counts those that fail', async (t) => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const metrics = createMetrics();
  observeRedis(redis, metrics);
  const key = `tessera-test:metrics:${process.pid}:${Date.now()}`;
  t.after(async () => {
    await redis.del(key);
    redis.disconnect();
  });

  await redis.set(key, 'a-string', 'EX', 60);
  await redis.get(key);
  await assert.rejects(redis.lpush(key, 'x'), /WRONGTYPE/);

  const scraped = await scrapeOf(metrics);
  assert.equal(
    valueOf(scraped, 'tessera_store_command_duration_seconds_count', { store: 'redis' }) >= 2,
    true,
  );
  assert.equal(valueOf(scraped, 'tessera_store_command_errors_total', { store: 'redis' }), 1);
  assert.ok(valueOf(scraped, 'tessera_store_command_duration_seconds_sum', { store: 'redis' }) > 0);
});

test('on a Redis Cluster, times each command once, whichever node answers it', async (t) => {
  const scope = suiteScope((cleanup) => t.after(cleanup));
  const cluster = await startRedisCluster(scope, { masters: 3, replicasPerMaster: 0 });
  const redis = createRedis(parseRedisUrl(cluster.url));
  scope.after(() => redis.disconnect());
  const metrics = createMetrics();
  observeRedis(redis, metrics);
  // Keys on every master (different hash slots), each written and read once.
  const keys = Array.from({ length: 12 }, (_, index) => `tessera-test:metrics:${index}`);
  for (const key of keys) await redis.set(key, 'v', 'EX', 60);
  for (const key of keys) assert.equal(await redis.get(key), 'v');

  const scraped = await scrapeOf(metrics);
  const timed = valueOf(scraped, 'tessera_store_command_duration_seconds_count', { store: 'redis' });
  // The 24 commands, plus what the client sends on its own (CLUSTER SLOTS, INFO): never twice each.
  assert.ok(timed >= 24 && timed < 48, `${timed} commands timed`);
  assert.equal(valueOf(scraped, 'tessera_store_command_errors_total', { store: 'redis' }), 0);
});

test('times each PostgreSQL query and counts those that fail', async (t) => {
  const db = knex({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
  t.after(() => db.destroy());
  const metrics = createMetrics();
  observePostgres(db, metrics);

  await db.raw('select 1');
  await db.raw('select 2');
  await assert.rejects(db.raw('select * from a_table_that_is_not_there'), /does not exist/);

  const scraped = await scrapeOf(metrics);
  assert.equal(valueOf(scraped, 'tessera_store_command_duration_seconds_count', { store: 'postgres' }), 2);
  assert.equal(valueOf(scraped, 'tessera_store_command_errors_total', { store: 'postgres' }), 1);
});

test('a connection state change sets the store gauge and counts the disconnect', async () => {
  const metrics = createMetrics();
  observeConnectionChange(metrics, { component: 'postgres', state: 'connected' });
  observeConnectionChange(metrics, { component: 'postgres', state: 'disconnected', code: 'ECONNREFUSED' });
  let scraped = await scrapeOf(metrics);
  assert.equal(valueOf(scraped, 'tessera_store_connected', { store: 'postgres' }), 0);
  assert.equal(valueOf(scraped, 'tessera_store_disconnects_total', { store: 'postgres' }), 1);
  observeConnectionChange(metrics, { component: 'postgres', state: 'connected' });
  scraped = await scrapeOf(metrics);
  assert.equal(valueOf(scraped, 'tessera_store_connected', { store: 'postgres' }), 1);
});
