import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createCachedLookup } from '../../../src/cache/cached-lookup.ts';
import { createLocalChangeBus } from '../../../src/storage/change-bus.ts';

type Row = { id: string; version: number };

/** A lookup over `store` that counts its loads, with a clock the test moves by hand. */
const setup = (options: { ttlMs?: number; negativeTtlMs?: number; maxEntries?: number } = {}) => {
  const store = new Map<string, Row>([
    ['a', { id: 'a', version: 1 }],
    ['b', { id: 'b', version: 1 }],
  ]);
  const loads: string[] = [];
  const clock = { now: 1_000_000 };
  const bus = createLocalChangeBus();
  const lookup = createCachedLookup<Row>({
    load: async (key) => {
      loads.push(key);
      const found = store.get(key);
      return found ? { ...found } : undefined;
    },
    bus,
    topic: 'clients',
    now: () => clock.now,
    ...options,
  });
  return { store, loads, clock, bus, lookup };
};

describe('the cached lookup', () => {
  test('loads a record once and serves it from the cache afterwards', async () => {
    const { lookup, loads, store } = setup();
    assert.deepEqual(await lookup.get('a'), { id: 'a', version: 1 });
    store.set('a', { id: 'a', version: 2 });
    assert.deepEqual(await lookup.get('a'), { id: 'a', version: 1 });
    assert.deepEqual(loads, ['a']);
  });

  test('caches misses too', async () => {
    const { lookup, loads } = setup();
    assert.equal(await lookup.get('nobody'), undefined);
    assert.equal(await lookup.get('nobody'), undefined);
    assert.deepEqual(loads, ['nobody']);
  });

  test('keeps separate entries per key', async () => {
    const { lookup, loads } = setup();
    assert.equal((await lookup.get('a'))?.id, 'a');
    assert.equal((await lookup.get('b'))?.id, 'b');
    assert.equal((await lookup.get('a'))?.id, 'a');
    assert.deepEqual(loads, ['a', 'b']);
  });

  test('reloads a key after the bus announces a change to it, and only that key', async () => {
    const { lookup, loads, store, bus } = setup();
    await lookup.get('a');
    await lookup.get('b');
    store.set('a', { id: 'a', version: 2 });
    await bus.publish('clients', 'a');
    assert.deepEqual(await lookup.get('a'), { id: 'a', version: 2 });
    await lookup.get('b');
    assert.deepEqual(loads, ['a', 'b', 'a']);
  });

  test('forgets a cached miss when the record is announced', async () => {
    const { lookup, store, bus } = setup();
    assert.equal(await lookup.get('c'), undefined);
    store.set('c', { id: 'c', version: 1 });
    await bus.publish('clients', 'c');
    assert.deepEqual(await lookup.get('c'), { id: 'c', version: 1 });
  });

  test('ignores changes announced on other topics', async () => {
    const { lookup, loads, bus } = setup();
    await lookup.get('a');
    await bus.publish('api-resources', 'a');
    await bus.publish('api-resources', '*');
    await lookup.get('a');
    assert.deepEqual(loads, ['a']);
  });

  test("clears every entry when the bus announces '*'", async () => {
    const { lookup, loads, bus } = setup();
    await lookup.get('a');
    await lookup.get('b');
    await lookup.get('nobody');
    await bus.publish('clients', '*');
    await lookup.get('a');
    await lookup.get('b');
    await lookup.get('nobody');
    assert.deepEqual(loads, ['a', 'b', 'nobody', 'a', 'b', 'nobody']);
  });

  test('drops an entry invalidated directly', async () => {
    const { lookup, loads } = setup();
    await lookup.get('a');
    lookup.invalidate('a');
    await lookup.get('a');
    assert.deepEqual(loads, ['a', 'a']);
  });

  test('reloads a record once its ttl has passed', async () => {
    const { lookup, loads, clock, store } = setup({ ttlMs: 60_000 });
    await lookup.get('a');
    store.set('a', { id: 'a', version: 2 });
    clock.now += 59_999;
    assert.equal((await lookup.get('a'))?.version, 1);
    clock.now += 1;
    assert.equal((await lookup.get('a'))?.version, 2);
    assert.deepEqual(loads, ['a', 'a']);
  });

  test('keeps a miss only for the shorter negative ttl', async () => {
    const { lookup, loads, clock, store } = setup({ ttlMs: 60_000, negativeTtlMs: 5_000 });
    await lookup.get('c');
    store.set('c', { id: 'c', version: 1 });
    clock.now += 4_999;
    assert.equal(await lookup.get('c'), undefined);
    clock.now += 1;
    assert.deepEqual(await lookup.get('c'), { id: 'c', version: 1 });
    assert.deepEqual(loads, ['c', 'c']);
  });

  test('shares one load between concurrent gets of a key', async () => {
    const pending = Promise.withResolvers<Row | undefined>();
    let loads = 0;
    const lookup = createCachedLookup<Row>({
      load: () => {
        loads += 1;
        return pending.promise;
      },
      bus: createLocalChangeBus(),
      topic: 'clients',
    });
    const gets = [lookup.get('a'), lookup.get('a'), lookup.get('a')];
    pending.resolve({ id: 'a', version: 1 });
    const results = await Promise.all(gets);
    assert.equal(loads, 1);
    for (const result of results) assert.deepEqual(result, { id: 'a', version: 1 });
    assert.deepEqual(await lookup.get('a'), { id: 'a', version: 1 });
    assert.equal(loads, 1);
  });

  test('does not cache a load that was invalidated while it ran', async () => {
    const bus = createLocalChangeBus();
    const results = [Promise.withResolvers<Row>(), Promise.withResolvers<Row>()];
    let loads = 0;
    const lookup = createCachedLookup<Row>({
      load: () => (results[loads++] as PromiseWithResolvers<Row>).promise,
      bus,
      topic: 'clients',
    });
    const stale = lookup.get('a');
    await bus.publish('clients', 'a');
    results[0]?.resolve({ id: 'a', version: 1 });
    assert.equal((await stale)?.version, 1);
    const fresh = lookup.get('a');
    results[1]?.resolve({ id: 'a', version: 2 });
    assert.equal((await fresh)?.version, 2);
    assert.equal((await lookup.get('a'))?.version, 2);
    assert.equal(loads, 2);
  });

  test('does not cache a failed load: every waiter sees the failure and the next get retries', async () => {
    const pending = Promise.withResolvers<Row | undefined>();
    let loads = 0;
    const lookup = createCachedLookup<Row>({
      load: async () => {
        loads += 1;
        if (loads === 1) return pending.promise;
        return { id: 'a', version: 1 };
      },
      bus: createLocalChangeBus(),
      topic: 'clients',
    });
    const first = lookup.get('a');
    const second = lookup.get('a');
    pending.reject(new Error('database unavailable'));
    await assert.rejects(first, /database unavailable/);
    await assert.rejects(second, /database unavailable/);
    assert.deepEqual(await lookup.get('a'), { id: 'a', version: 1 });
    assert.equal(loads, 2);
  });

  test('evicts the oldest entry beyond maxEntries', async () => {
    const { lookup, loads } = setup({ maxEntries: 2 });
    await lookup.get('a');
    await lookup.get('b');
    await lookup.get('c');
    await lookup.get('b');
    await lookup.get('c');
    assert.deepEqual(loads, ['a', 'b', 'c']);
    await lookup.get('a');
    assert.deepEqual(loads, ['a', 'b', 'c', 'a']);
  });

  test('with loadMany, the misses of one turn share one load; a failed load fails them all', async () => {
    const batches: string[][] = [];
    let failing = false;
    const lookup = createCachedLookup<Row>({
      load: async () => assert.fail('single loads are not used with loadMany'),
      loadMany: async (keys) => {
        batches.push(keys);
        if (failing) throw new Error('database down');
        return new Map(keys.filter((key) => key !== 'missing').map((key) => [key, { id: key, version: 1 }]));
      },
      bus: createLocalChangeBus(),
      topic: 'clients',
    });
    const found = await Promise.all(['a', 'b', 'a', 'missing'].map((key) => lookup.get(key)));
    assert.deepEqual(found, [
      { id: 'a', version: 1 },
      { id: 'b', version: 1 },
      { id: 'a', version: 1 },
      undefined,
    ]);
    assert.deepEqual(batches, [['a', 'b', 'missing']]);
    assert.deepEqual(await lookup.get('b'), { id: 'b', version: 1 });
    assert.equal(batches.length, 1);

    failing = true;
    const results = await Promise.allSettled([lookup.get('c'), lookup.get('d')]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
    failing = false;
    // A failure is not cached: the next request loads again.
    assert.deepEqual(await lookup.get('c'), { id: 'c', version: 1 });
  });

  test('tells its stats of every lookup: a hit when answered from memory, a miss when it loads', async () => {
    const told: string[] = [];
    const { lookup, clock } = setup();
    const counted = createCachedLookup<Row>({
      load: (key) => lookup.get(key),
      bus: createLocalChangeBus(),
      topic: 'clients',
      ttlMs: 1_000,
      now: () => clock.now,
      stats: { hit: () => told.push('hit'), miss: () => told.push('miss') },
    });
    await counted.get('a');
    await counted.get('a');
    await counted.get('unknown');
    await counted.get('unknown');
    clock.now += 10_000;
    await counted.get('a');
    assert.deepEqual(told, ['miss', 'hit', 'miss', 'hit', 'miss']);
  });
});
