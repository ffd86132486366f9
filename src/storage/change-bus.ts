import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import type { Cluster, Redis } from 'ioredis';
import { duplicateRedis } from './redis.ts';

/**
 * Tells every instance that a cached record (a client, an API resource…) changed, so each drops
 * its copy. Messages carry only the topic and the record's id, never content. Delivery is best
 * effort: a message published while an instance is disconnected from Redis is lost to it, so
 * caches keep a TTL as well.
 *
 * A publisher's own subscribers receive its messages too, exactly once (delivered in-process,
 * not through Redis).
 */
export type ChangeBus = {
  publish(topic: string, id: string): Promise<void>;
  subscribe(topic: string, handler: (id: string) => void): void;
  close(): Promise<void>;
};

export type RedisChangeBus = ChangeBus & {
  /** Settles when every subscription asked for so far is active on the server. */
  ready(): Promise<void>;
};

export const createLocalChangeBus = (): ChangeBus => {
  const emitter = new EventEmitter();
  // Every cache subscribes once per topic; many topics are normal, not a leak.
  emitter.setMaxListeners(0);
  return {
    async publish(topic, id) {
      emitter.emit(topic, id);
    },
    subscribe(topic, handler) {
      emitter.on(topic, handler);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
};

type Message = { origin: string; id: string };

/**
 * Pub/sub on a duplicate of `redis` (a subscribed connection can run nothing else). On a Cluster,
 * `duplicate()` gives another Cluster client and classic PUBLISH reaches subscribers on every
 * node, so the same code works; Redis broadcasts each message over the cluster bus, which suits
 * rare invalidations.
 */
export const createRedisChangeBus = (
  redis: Redis | Cluster,
  channelPrefix: string,
  /** Receives a handler's exception. */
  options: { onError?: (error: unknown) => void } = {},
): RedisChangeBus => {
  const onError = options.onError ?? ((error: unknown) => console.error('change bus:', error));
  const origin = randomUUID();
  const local = new EventEmitter();
  local.setMaxListeners(0);
  // The subscriber's connection errors are the main connection's too, and its state changes are
  // logged there: here they are only kept from reaching stderr raw.
  const subscriber = duplicateRedis(redis, () => {});
  const channels = new Set<string>();
  let subscribed: Promise<unknown> = Promise.resolve();

  // ioredis re-subscribes after a reconnection only to what it had subscribed to; a subscription
  // asked for while Redis was down failed at once (no offline queue). So every 'ready' subscribes
  // to every channel (SUBSCRIBE is idempotent).
  const subscribeAll = () => {
    if (channels.size === 0) return;
    subscribed = subscriber.subscribe(...channels);
    subscribed.catch(() => {});
  };
  subscriber.on('ready', subscribeAll);

  subscriber.on('message', (channel: string, raw: string) => {
    if (!channel.startsWith(channelPrefix)) return;
    let message: Message;
    try {
      message = JSON.parse(raw) as Message;
    } catch {
      return;
    }
    // Our own messages were already delivered in-process by publish().
    if (message.origin === origin || typeof message.id !== 'string') return;
    try {
      local.emit(channel.slice(channelPrefix.length), message.id);
    } catch (error) {
      // A throwing handler must not unwind into ioredis' reply parser.
      onError(error);
    }
  });

  return {
    async publish(topic, id) {
      local.emit(topic, id);
      await redis.publish(`${channelPrefix}${topic}`, JSON.stringify({ origin, id } satisfies Message));
    },
    subscribe(topic, handler) {
      local.on(topic, handler);
      const channel = `${channelPrefix}${topic}`;
      if (channels.has(channel)) return;
      channels.add(channel);
      // Before the first connection the command waits for it; after, 'ready' catches up.
      if (subscriber.status === 'ready' || subscriber.options.enableOfflineQueue) {
        subscribed = subscriber.subscribe(channel);
        subscribed.catch(() => {});
      }
    },
    async ready() {
      if (subscriber.status !== 'ready') await once(subscriber, 'ready');
      await subscribed;
    },
    async close() {
      local.removeAllListeners();
      subscriber.disconnect();
    },
  };
};
