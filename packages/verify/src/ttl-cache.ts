/**
 * A small bounded cache whose entries carry their own expiry: a Map keeps insertion order, so the
 * first key is the least recently used once reads move an entry to the end. Time comes from the
 * caller, so tests move a clock instead of sleeping.
 */
export type TtlCache<V> = {
  get(key: string, now: number): V | undefined;
  /** Stores `value` until `expiresAt` (epoch ms); a non-future expiry stores nothing. */
  set(key: string, value: V, expiresAt: number, now: number): void;
  clear(): void;
  readonly size: number;
};

export const createTtlCache = <V>(maxEntries: number): TtlCache<V> => {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      if (entry.expiresAt <= now) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, expiresAt, now) {
      entries.delete(key);
      if (expiresAt <= now || maxEntries <= 0) return;
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
      entries.set(key, { value, expiresAt });
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
};
