import type { RedisClient } from '../redis.ts';
import type { Revocation, RevocationKind } from './revocation-list.ts';

/**
 * Revocations written to Redis by the instance that makes them, before it acknowledges them, so
 * that every other instance sees one at its very first check — not only once the change bus has
 * delivered and its revocation list has read Postgres again (revocation-list.ts).
 *
 * Only JWT access tokens need this: every other kind of token lives in Redis itself and is deleted
 * from it on revocation, so it is gone for every instance at once. A JWT is checked against the
 * in-memory list first (no I/O); only when that has no entry is its mark read — one `GET`.
 *
 * Postgres stays the record: a mark is an early copy of a committed row, kept until the token
 * would expire anyway. A Redis that lost marks (flush, failover) only brings back the window this
 * closes — the change bus and the 1 s poll still deliver the row — and a Redis that does not
 * answer leaves the answer to the in-memory list, as before.
 */
export type RevocationMarks = {
  /** The kinds written and read here. */
  kinds: ReadonlySet<RevocationKind>;
  /** Writes the marks of `revocations` of those kinds; resolves once Redis has them all. */
  mark(revocations: readonly Revocation[]): Promise<void>;
  /** When `kind`/`key` was revoked (epoch ms) by any instance, as far as Redis knows. */
  revokedAt(kind: RevocationKind, key: string): Promise<number | undefined>;
};

export const createRedisRevocationMarks = (
  redis: RedisClient,
  keyPrefix: string,
  now: () => number = Date.now,
): RevocationMarks => {
  const kinds = new Set<RevocationKind>(['jwt']);
  const keyOf = (kind: RevocationKind, key: string) => `${keyPrefix}revoked:${kind}:${key}`;
  return {
    kinds,
    async mark(revocations) {
      const at = now();
      // One SET per mark, not a pipeline: on a Redis Cluster the keys live on different shards.
      await Promise.all(
        revocations
          .filter((revocation) => kinds.has(revocation.kind))
          .map((revocation) => {
            const key = keyOf(revocation.kind, revocation.key);
            const value = String(revocation.revokedAt.getTime());
            if (revocation.expiresAt === null) return redis.set(key, value);
            const ttl = revocation.expiresAt.getTime() - at;
            return ttl > 0 ? redis.set(key, value, 'PX', ttl) : undefined;
          }),
      );
    },
    async revokedAt(kind, key) {
      if (!kinds.has(kind)) return undefined;
      const value = await redis.get(keyOf(kind, key));
      return value === null ? undefined : Number(value);
    },
  };
};
