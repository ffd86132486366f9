import type { Cluster, Redis } from 'ioredis';

/**
 * Counters in fixed time windows, for rate limits such as failed sign-ins. With Redis every
 * instance shares them; without it (one embedded process) they live in memory and a restart forgets
 * them. Keys are chosen by the caller and should not be personal data in clear.
 */
export type AttemptWindow = { count: number; resetsInSeconds: number };

export type AttemptCounters = {
  /** Counts one attempt in the key's window (opening one of `windowSeconds` if none is open). */
  hit(key: string, windowSeconds: number): Promise<AttemptWindow>;
  /** The key's current window, without counting. */
  peek(key: string): Promise<AttemptWindow>;
  reset(key: string): Promise<void>;
};

const EMPTY: AttemptWindow = { count: 0, resetsInSeconds: 0 };

export const createMemoryAttemptCounters = (
  options: { now?: () => number; maxKeys?: number } = {},
): AttemptCounters => {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, { count: number; resetsAt: number }>();

  const current = (key: string) => {
    const entry = windows.get(key);
    if (entry && entry.resetsAt <= now()) {
      windows.delete(key);
      return undefined;
    }
    return entry;
  };
  const view = (entry: { count: number; resetsAt: number } | undefined): AttemptWindow =>
    entry ? { count: entry.count, resetsInSeconds: Math.ceil((entry.resetsAt - now()) / 1000) } : EMPTY;

  /** Bounded memory under a flood of distinct keys: drop closed windows, then the oldest. */
  const makeRoom = () => {
    if (windows.size < maxKeys) return;
    for (const [key, entry] of windows) if (entry.resetsAt <= now()) windows.delete(key);
    for (const key of windows.keys()) {
      if (windows.size < maxKeys) break;
      windows.delete(key);
    }
  };

  return {
    async hit(key, windowSeconds) {
      let entry = current(key);
      if (!entry) {
        makeRoom();
        entry = { count: 0, resetsAt: now() + windowSeconds * 1000 };
        windows.set(key, entry);
      }
      entry.count += 1;
      return view(entry);
    },
    peek: async (key) => view(current(key)),
    async reset(key) {
      windows.delete(key);
    },
  };
};

export const createRedisAttemptCounters = (redis: Redis | Cluster, keyPrefix: string): AttemptCounters => {
  const keyOf = (key: string) => `${keyPrefix}attempts:${key}`;
  const windowOf = (count: unknown, ttl: unknown): AttemptWindow => {
    const n = Number(count ?? 0);
    const seconds = Number(ttl);
    return n > 0 && seconds > 0 ? { count: n, resetsInSeconds: seconds } : EMPTY;
  };
  return {
    async hit(key, windowSeconds) {
      const k = keyOf(key);
      // SET NX opens the window with its expiry; INCR then counts into it, atomically per command.
      const replies = await redis.multi().set(k, '0', 'EX', windowSeconds, 'NX').incr(k).ttl(k).exec();
      const [, [, count] = [], [, ttl] = []] = replies ?? [];
      return windowOf(count, ttl);
    },
    async peek(key) {
      const k = keyOf(key);
      const replies = await redis.multi().get(k).ttl(k).exec();
      const [[, count] = [], [, ttl] = []] = replies ?? [];
      return windowOf(count, ttl);
    },
    async reset(key) {
      await redis.del(keyOf(key));
    },
  };
};
