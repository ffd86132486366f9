import type { ChangeBus } from '../storage/change-bus.ts';

/**
 * A read-through in-process cache for records the hot path reads on every request (clients, API
 * resources). Entries are dropped when the bus announces a change to their key — on this instance
 * or, through Redis pub/sub, on any other — and expire after `ttlMs` anyway, which bounds staleness
 * if a message is ever lost. Misses are cached briefly too, so unknown client ids cost the same
 * as known ones and cannot be used to hammer the database.
 */
export type CachedLookup<T> = {
  get(key: string): Promise<T | undefined>;
  invalidate(key: string): void;
};

/** Told of every lookup, answered from memory (hit) or not (miss): the metrics' cache counters. */
export type CacheStats = { hit(): void; miss(): void };

/** Entries a cache keeps by default, the oldest dropped first beyond that. */
export const CACHED_LOOKUP_MAX_ENTRIES = 200_000;

type Entry<T> = { value: T | undefined; expiresAt: number; pending?: Promise<T | undefined> };

export const createCachedLookup = <T>(options: {
  load: (key: string) => Promise<T | undefined>;
  /**
   * Loads many keys in one query. When given, the misses of one event-loop turn (concurrent
   * requests for different keys, e.g. many clients asking for tokens at once) share one load
   * instead of queueing one query each for the database pool.
   */
  loadMany?: (keys: string[]) => Promise<Map<string, T>>;
  bus: ChangeBus;
  topic: string;
  ttlMs?: number;
  negativeTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
  stats?: CacheStats;
}): CachedLookup<T> => {
  const {
    load,
    ttlMs = 60_000,
    negativeTtlMs = 5_000,
    maxEntries = CACHED_LOOKUP_MAX_ENTRIES,
    now = Date.now,
    stats,
  } = options;
  const entries = new Map<string, Entry<T>>();

  type Waiter = { resolve: (value: T | undefined) => void; reject: (error: unknown) => void };
  let batch: Map<string, Waiter[]> | undefined;
  const loadBatch = async (
    waiting: Map<string, Waiter[]>,
    loadMany: (keys: string[]) => Promise<Map<string, T>>,
  ) => {
    try {
      const found = await loadMany([...waiting.keys()]);
      for (const [key, waiters] of waiting) for (const waiter of waiters) waiter.resolve(found.get(key));
    } catch (error) {
      for (const waiters of waiting.values()) for (const waiter of waiters) waiter.reject(error);
    }
  };
  const loadOne = (key: string): Promise<T | undefined> => {
    const { loadMany } = options;
    if (!loadMany) return load(key);
    return new Promise((resolve, reject) => {
      if (!batch) {
        const waiting = new Map<string, Waiter[]>();
        batch = waiting;
        // After the I/O callbacks of this turn: every request parsed in it has asked by then.
        setImmediate(() => {
          batch = undefined;
          void loadBatch(waiting, loadMany);
        });
      }
      const waiters = batch.get(key) ?? [];
      waiters.push({ resolve, reject });
      batch.set(key, waiters);
    });
  };

  const invalidate = (key: string) => {
    // '*' is published when many records changed at once (e.g. an API resource used by many clients).
    if (key === '*') entries.clear();
    else entries.delete(key);
  };
  options.bus.subscribe(options.topic, invalidate);

  return {
    invalidate,
    async get(key) {
      const cached = entries.get(key);
      if (cached && cached.expiresAt > now()) {
        stats?.hit();
        return cached.pending ?? cached.value;
      }
      stats?.miss();
      // Concurrent misses for one key share a single load.
      const pending = loadOne(key);
      const entry: Entry<T> = { value: undefined, expiresAt: Number.POSITIVE_INFINITY, pending };
      entries.set(key, entry);
      try {
        const value = await pending;
        if (entries.get(key) === entry) {
          if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
          entries.set(key, { value, expiresAt: now() + (value === undefined ? negativeTtlMs : ttlMs) });
        }
        return value;
      } catch (error) {
        if (entries.get(key) === entry) entries.delete(key);
        throw error;
      }
    },
  };
};
