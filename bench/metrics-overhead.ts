/**
 * What Prometheus metrics cost per request (TESSERA_METRICS_PORT set), measured in process:
 * `node bench/metrics-overhead.ts` (needs Redis at REDIS_URL, default redis://127.0.0.1:6379).
 *
 * 1. The request path: the HTTP middleware (route label, counter, latency histogram), two cache
 *    hits and one introspection count, against the same request with no metrics.
 * 2. One Redis command with and without its latency instrument (CPU time per GET, pipelined 100
 *    at a time so the network wait does not count).
 *
 * Medians of 5 rounds, after a warm-up round. Compare with the CPU a request costs in `npm run bench`
 * (about 230 µs for a client credentials JWT on the reference machine).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Context } from 'koa';
import { cacheStats, introspectionCounter } from '../src/metrics/counters.ts';
import { createMetrics } from '../src/metrics/create-metrics.ts';
import { httpMetrics } from '../src/metrics/http-metrics.ts';
import { observeRedis } from '../src/metrics/store-metrics.ts';

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const requestPath = async () => {
  const metrics = createMetrics();
  const middleware = httpMetrics(metrics);
  const clients = cacheStats(metrics, 'clients');
  const introspected = introspectionCounter(metrics);
  const requests = 200_000;
  const round = async (instrumented: boolean) => {
    const started = performance.now();
    for (let index = 0; index < requests; index++) {
      const res = Object.assign(new EventEmitter(), { statusCode: 200 });
      const ctx = { path: '/token/introspection', method: 'POST', res } as unknown as Context;
      if (instrumented) {
        await middleware(ctx, async () => {});
        clients.hit();
        clients.hit();
        introspected('active');
      } else await (async () => {})();
    }
    return ((performance.now() - started) * 1e6) / requests;
  };
  await round(true);
  await round(false);
  const [bare, counted]: number[][] = [[], []];
  for (let index = 0; index < 5; index++) {
    bare.push(await round(false));
    counted.push(await round(true));
  }
  return median(counted) - median(bare);
};

const redisCommand = async () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const plain = new Redis(url);
  const observed = new Redis(url);
  observeRedis(observed, createMetrics());
  const commands = 20_000;
  const round = async (redis: Redis) => {
    const before = process.cpuUsage();
    for (let sent = 0; sent < commands; sent += 100)
      await Promise.all(Array.from({ length: 100 }, () => redis.get('tessera-bench:metrics-overhead')));
    const used = process.cpuUsage(before);
    return ((used.user + used.system) * 1000) / commands;
  };
  try {
    await round(plain);
    await round(observed);
    const [bare, counted]: number[][] = [[], []];
    for (let index = 0; index < 5; index++) {
      bare.push(await round(plain));
      counted.push(await round(observed));
    }
    return { bare: median(bare), counted: median(counted) };
  } finally {
    plain.disconnect();
    observed.disconnect();
  }
};

const perRequest = await requestPath();
process.stdout.write(`request path: +${perRequest.toFixed(0)} ns per request\n`);
const redis = await redisCommand();
process.stdout.write(
  `Redis GET: ${redis.bare.toFixed(0)} ns CPU plain, ${redis.counted.toFixed(0)} ns observed (+${(redis.counted - redis.bare).toFixed(0)} ns)\n`,
);
