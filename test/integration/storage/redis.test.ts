import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { AppError } from '../../../src/errors.ts';
import { createRedis, pingRedis } from '../../../src/storage/redis.ts';
import { withRedisPrefix } from '../../helpers/redis.ts';

// Nothing listens on port 1: connections are refused at once.
const DEAD = { host: '127.0.0.1', port: 1 };

describe('the Redis client', () => {
  it('answers a ping with its round-trip time', async (t) => {
    const context = await withRedisPrefix(t);
    if (!context) return;
    const latency = await pingRedis(context.redis);
    assert.ok(latency >= 0 && latency < 1_000);
  });

  it('fails a command within a second when Redis is down, instead of queueing it', async (t) => {
    const redis = createRedis(
      { mode: 'standalone', url: `redis://${DEAD.host}:${DEAD.port}` },
      // A short command timeout: ioredis leaves a rejected command's timer running until it fires.
      { onError: () => {}, commandTimeout: 500 },
    );
    t.after(() => redis.disconnect());
    const started = performance.now();
    await assert.rejects(redis.get('anything'));
    assert.ok(performance.now() - started < 1_000, 'rejected quickly');
    await assert.rejects(
      pingRedis(redis, 200),
      (error) => error instanceof AppError && error.code === 'storage_unavailable' && error.status === 503,
    );
  });

  it('builds a Sentinel client or a Cluster client from their configurations', (t) => {
    const sentinel = createRedis(
      { mode: 'sentinel', sentinels: [DEAD], name: 'mymaster', db: 2, password: 'pw', tls: false },
      { onError: () => {} },
    );
    const cluster = createRedis(
      { mode: 'cluster', nodes: [DEAD], password: 'pw', tls: true },
      { onError: () => {} },
    );
    t.after(() => {
      sentinel.disconnect();
      cluster.disconnect();
    });
    assert.ok(sentinel instanceof Redis);
    assert.equal(sentinel.options.name, 'mymaster');
    assert.equal(sentinel.options.db, 2);
    assert.ok(cluster instanceof Cluster);
    assert.deepEqual(cluster.options.redisOptions?.tls, {});
    assert.equal(cluster.options.redisOptions?.maxRetriesPerRequest, 0, 'never a second attempt');
    assert.equal(cluster.options.retryDelayOnFailover, 0);
  });
});
