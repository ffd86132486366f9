import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { createBoundCounter, createBoundHistogram } from '../../../src/metrics/bound-series.ts';

/** The bound series must read exactly as prom-client's own metrics do for the same observations. */
const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.5, 3, 10];

test('a bound histogram exposes the same buckets, sum and count as a prom-client Histogram', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const bound = createBoundHistogram({ name: 'h_seconds', help: 'h', buckets: BUCKETS, registry: ours });
  const reference = new Histogram({
    name: 'h_seconds',
    help: 'h',
    buckets: BUCKETS,
    labelNames: ['route'],
    registers: [theirs],
  });
  const a = bound.bind({ route: '/a' });
  const b = bound.bind({ route: '/b' });
  for (const value of OBSERVED) {
    a.observe(value);
    reference.observe({ route: '/a' }, value);
  }
  b.observe(0.2);
  reference.observe({ route: '/b' }, 0.2);
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('a bound counter exposes the same series as a prom-client Counter, zero until counted', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const bound = createBoundCounter({ name: 'c_total', help: 'c', registry: ours });
  const reference = new Counter({ name: 'c_total', help: 'c', labelNames: ['cache'], registers: [theirs] });
  const hits = bound.bind({ cache: 'clients' });
  bound.bind({ cache: 'api_resources' });
  hits.inc();
  hits.inc();
  reference.inc({ cache: 'clients' }, 2);
  // A bound series reads 0 from the start (so rate() has a first sample); prom-client's after inc(0).
  reference.inc({ cache: 'api_resources' }, 0);
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.match(await ours.metrics(), /c_total\{cache="clients"\} 2\nc_total\{cache="api_resources"\} 0/);
});

test('binding the same labels again counts into the same series, never a duplicate line', async () => {
  const registry = new Registry();
  const counter = createBoundCounter({ name: 'd_total', help: 'd', registry });
  const histogram = createBoundHistogram({ name: 'd_seconds', help: 'd', buckets: [1], registry });
  counter.bind({ grant: 'client_credentials' }).inc();
  counter.bind({ grant: 'client_credentials' }).inc();
  histogram.bind({ store: 'redis' }).observe(0.5);
  histogram.bind({ store: 'redis' }).observe(2);
  const text = await registry.metrics();
  assert.equal(text.match(/^d_total\{/gm)?.length, 1);
  assert.match(text, /d_total\{grant="client_credentials"\} 2/);
  assert.match(text, /d_seconds_count\{store="redis"\} 2/);
  assert.match(text, /d_seconds_bucket\{le="1",store="redis"\} 1/);
});
