import type { ResourceRef } from '@tessera/verify';
import type { TokenKind } from '@tessera/verify/token-format';
import type { AccessTokenRow } from '../tables/access-tokens.ts';

/**
 * The storage contract of the fast path for PAT and RAT lookups, written out once: the domain's
 * access-token services depend on it, `redis-token-entries.ts` implements it. Redis keeps what
 * introspection needs under the token's hash, so introspection does not touch PostgreSQL. Postgres
 * stays the record: a missing entry (flush, failover) is rebuilt from it on first use (`entryOf`).
 * Revocation leaves a tombstone, and rebuilding only ever fills an empty slot, so a rebuild racing
 * a revocation cannot bring the token back.
 */
export type TokenEntry = {
  id: string;
  kind: TokenKind;
  sub: string;
  scopes: string[];
  aud: string[];
  /** Epoch seconds the current string was issued (creation or last rotation). */
  iat: number;
  exp: number | null;
  res?: ResourceRef;
};

export type TokenEntries = {
  get(tokenHash: string): Promise<TokenEntry | 'revoked' | undefined>;
  /** Stores the entry unless the slot holds something already (an entry or a tombstone). */
  restore(tokenHash: string, entry: TokenEntry, nowSeconds: number): Promise<void>;
  /** Replaces whatever is there with a tombstone that outlives the token's validity. */
  revoke(tokenHash: string, expiresAt: number | null, nowSeconds: number): Promise<void>;
};

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
/** `exp` is the first second the token is no longer valid (RFC 7519): round an instant up. */
const expirySeconds = (date: Date) => Math.ceil(date.getTime() / 1000);

/** The entry of a token record: what introspection needs, nothing bearer-capable. */
export const entryOf = (row: AccessTokenRow): TokenEntry => ({
  id: row.id,
  kind: row.kind,
  sub: row.subjectId,
  scopes: row.scopes,
  aud: row.audience,
  iat: seconds(row.rotatedAt ?? row.createdAt),
  exp: row.expiresAt ? expirySeconds(row.expiresAt) : null,
  ...(row.resourceType && row.resourceId ? { res: { type: row.resourceType, id: row.resourceId } } : {}),
});
