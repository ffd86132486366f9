import type { Cluster, Redis } from 'ioredis';
import type { TokenEntries, TokenEntry } from './contract.ts';

/**
 * PAT/RAT entries on Redis (the contract is in contract.ts). The key is the token's
 * HMAC from Postgres, never the token. Entries of tokens that never expire are re-read from
 * Postgres at least weekly, and tombstones live as long as the token could have.
 */
const MAX_TTL = 7 * 86_400;
const TOMBSTONE = '{"revoked":1}';

export const createRedisTokenEntries = (redis: Redis | Cluster, keyPrefix: string): TokenEntries => {
  const key = (tokenHash: string) => `${keyPrefix}AccessTokenEntry:${tokenHash}`;
  const ttl = (exp: number | null, now: number) =>
    Math.max(1, Math.min(exp === null ? MAX_TTL : exp - now, MAX_TTL));
  return {
    async get(tokenHash) {
      const raw = await redis.get(key(tokenHash));
      if (raw === null) return undefined;
      return raw === TOMBSTONE ? 'revoked' : (JSON.parse(raw) as TokenEntry);
    },
    async restore(tokenHash, entry, now) {
      if (entry.exp !== null && entry.exp <= now) return;
      await redis.set(key(tokenHash), JSON.stringify(entry), 'EX', ttl(entry.exp, now), 'NX');
    },
    async revoke(tokenHash, expiresAt, now) {
      await redis.set(key(tokenHash), TOMBSTONE, 'EX', ttl(expiresAt, now));
    },
  };
};
