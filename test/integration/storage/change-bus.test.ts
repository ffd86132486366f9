import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { describe, it } from 'node:test';
import { createLocalChangeBus, createRedisChangeBus } from '../../../src/storage/change-bus.ts';
import { withRedisPrefix } from '../../helpers/redis.ts';

describe('the local change bus', () => {
  it('delivers a published id to every subscriber of the topic, once', async () => {
    const bus = createLocalChangeBus();
    const clients: string[] = [];
    const others: string[] = [];
    bus.subscribe('clients', (id) => clients.push(`a:${id}`));
    bus.subscribe('clients', (id) => clients.push(`b:${id}`));
    bus.subscribe('api-resources', (id) => others.push(id));
    await bus.publish('clients', 'svc-billing');
    assert.deepEqual(clients, ['a:svc-billing', 'b:svc-billing']);
    assert.deepEqual(others, []);
    await bus.close();
    await bus.publish('clients', 'after-close');
    assert.equal(clients.length, 2, 'a closed bus delivers nothing');
  });
});

describe('the Redis change bus', () => {
  it('delivers to other instances and to the publisher itself, exactly once each', async (t) => {
    const context = await withRedisPrefix(t);
    if (!context) return;
    const { redis, prefix } = context;
    const first = createRedisChangeBus(redis, `${prefix}changes:`);
    const second = createRedisChangeBus(redis, `${prefix}changes:`);
    t.after(async () => {
      await first.close();
      await second.close();
    });
    const seenByFirst: string[] = [];
    const seenBySecond: string[] = [];
    const deliveries = new EventEmitter();
    first.subscribe('clients', (id) => {
      seenByFirst.push(id);
      deliveries.emit('first');
    });
    second.subscribe('clients', (id) => {
      seenBySecond.push(id);
      deliveries.emit('second');
    });
    await Promise.all([first.ready(), second.ready()]);

    const toSecond = once(deliveries, 'second');
    await first.publish('clients', 'svc-billing');
    await toSecond;

    // Redis delivers to a subscriber in publish order: once the second bus's message reaches the
    // first, the first's own echo of 'svc-billing' has come back too, and was not delivered again.
    const toFirst = once(deliveries, 'first');
    await second.publish('clients', 'from-second');
    await toFirst;
    assert.deepEqual(seenByFirst, ['svc-billing', 'from-second']);
    assert.deepEqual(seenBySecond, ['svc-billing', 'from-second']);
  });
});
