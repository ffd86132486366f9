/**
 * RFC 9449 §11.1: a DPoP proof is used once. The verifier remembers each proof's `jti` (hashed with
 * the key's thumbprint) until the proof would fail its `iat` check anyway. One API instance can keep
 * them in memory; several instances behind a load balancer must share a store, or a proof captured
 * on its way to one instance could be replayed on another.
 */
export type DPoPReplayStore = {
  /**
   * Records `key` until `expiresAt` (epoch ms). Resolves true when the key was not recorded yet,
   * false when it was (a replay). Must be atomic across the instances sharing the store, e.g. Redis
   * `SET <prefix><key> 1 NX PXAT <expiresAt>` answering "OK" (true) or null (false).
   */
  remember(key: string, expiresAt: number): boolean | Promise<boolean>;
};

/**
 * An in-memory store holding at most `maxEntries` keys. When full it forgets the oldest key, and
 * from then on refuses every proof that would expire no later than that key: a forgotten key cannot
 * be replayed, at the cost of refusing some honest proofs under a flood (they are retried with a new
 * proof). Expired keys are dropped as new ones arrive.
 */
export const createMemoryReplayStore = (
  options: { maxEntries?: number; now?: () => number } = {},
): DPoPReplayStore => {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new TypeError('maxEntries must be a positive integer');
  const now = options.now ?? Date.now;
  const entries = new Map<string, number>();
  // Proofs expiring at or before this moment can no longer be told apart from replays.
  let forgottenUntil = -Infinity;

  return {
    remember(key, expiresAt) {
      const time = now();
      // Keys arrive roughly in expiry order (iat plus a fixed window), so expired ones are in front.
      for (const [oldKey, oldExpiry] of entries) {
        if (oldExpiry > time) break;
        entries.delete(oldKey);
      }
      const known = entries.get(key);
      if (known !== undefined && known > time) return false;
      if (expiresAt <= forgottenUntil) return false;
      while (entries.size >= maxEntries) {
        const [oldKey, oldExpiry] = entries.entries().next().value as [string, number];
        entries.delete(oldKey);
        forgottenUntil = Math.max(forgottenUntil, oldExpiry);
        if (expiresAt <= forgottenUntil) return false;
      }
      entries.delete(key);
      entries.set(key, expiresAt);
      return true;
    },
  };
};
