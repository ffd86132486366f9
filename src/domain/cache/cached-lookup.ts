import type { ChangeBus } from '../../storage/change-bus.ts';

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

type Entry<T> = { value: T | undefined; expiresAt: number; pending?: Promise<T | undefined> };

export const createCachedLookup = <T>(options: {
  load: (key: string) => Promise<T | undefined>;
  bus: ChangeBus;
  topic: string;
  ttlMs?: number;
  negativeTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
}): CachedLookup<T> => {
  const { load, ttlMs = 60_000, negativeTtlMs = 5_000, maxEntries = 200_000, now = Date.now } = options;
  const entries = new Map<string, Entry<T>>();

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
      if (cached && cached.expiresAt > now()) return cached.pending ?? cached.value;
      // Concurrent misses for one key share a single load.
      const pending = load(key);
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
