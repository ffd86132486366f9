import type { PepperHash } from '../../crypto/pepper-hash.ts';
import { classifyError } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import { parseToken } from '@tessera/verify/token-format';
import type { Policy } from '../permissions/policy.ts';
import type { Permissions, SubjectPermissions } from '../permissions/subject-permissions.ts';
import type { LastUsed } from './last-used.ts';
import { entryOf, type TokenEntries, type TokenEntry } from '../../storage/token-entries/contract.ts';
import type { RevocationList } from '../../storage/revocations/revocation-list.ts';

/**
 * From a presented PAT or RAT string to what it may do right now. Used by introspection and by
 * the management API's authentication; both must see revocation, expiry, a disabled owner and a
 * changed membership at once, so the effective scopes are recomputed on every call:
 * effective = the token's scopes (with what they imply) ∩ what its subject's roles allow today.
 */
export type ResolvedAccessToken = {
  entry: TokenEntry;
  subject: SubjectPermissions;
  effectiveScopes: readonly string[];
  /** RATs: the bot's current role on its resource. */
  role?: string;
};

export type AccessTokenResolver = ReturnType<typeof createAccessTokenResolver>;

export const createAccessTokenResolver = (deps: {
  repositories: Repositories;
  permissions: Permissions;
  policy: Policy;
  entries: TokenEntries | undefined;
  /** The record of revocations in Postgres: it wins over whatever Redis holds. */
  revocations: Pick<RevocationList, 'has'>;
  lastUsed: LastUsed;
  tokenHash: PepperHash;
  now?: () => number;
}) => {
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));

  // Redis is a cache of the record: while it is unreachable, PostgreSQL answers alone.
  const unlessRedisIsDown = async <T>(read: Promise<T> | undefined): Promise<T | undefined> => {
    try {
      return await read;
    } catch (error) {
      if (classifyError(error).code === 'storage_unavailable') return undefined;
      throw error;
    }
  };

  /**
   * Redis first, but Postgres wins: an entry whose token (or string) the revocation record names
   * is revoked, whatever Redis kept or got back after a failover. A tombstone the record does not
   * know (yet, or left by a failed revocation) is checked against the row.
   */
  const findEntry = async (tokenHash: string): Promise<TokenEntry | undefined> => {
    const cached = await unlessRedisIsDown(deps.entries?.get(tokenHash));
    const revoked = (id: string | undefined) =>
      deps.revocations.has('token_hash', tokenHash) ||
      (id !== undefined && deps.revocations.has('access_token', id));
    if (cached && cached !== 'revoked') {
      if (!revoked(cached.id)) return cached;
      // Redis lost the tombstone (a failover, a crash before it was written): put it back before
      // answering, so that whoever reads Redis after this answer finds the record's story. Best
      // effort: the record answers even if Redis fails now.
      await deps.entries?.revoke(tokenHash, cached.exp, now()).catch(() => {});
      return undefined;
    }
    if (revoked(undefined)) return undefined;
    const row = await deps.repositories.accessTokens.findByHash(tokenHash);
    if (cached === 'revoked') return row && !row.revokedAt ? entryOf(row) : undefined;
    if (!row || row.revokedAt) return undefined;
    const entry = entryOf(row);
    await unlessRedisIsDown(deps.entries?.restore(tokenHash, entry, now()));
    return entry;
  };

  // The same token scopes meet the same allowed set (one object per role and per subject record,
  // see policy.ts and subject-permissions.ts) on every introspection of a busy token.
  const computed = new WeakMap<ReadonlySet<string>, Map<string, readonly string[]>>();
  const effectiveScopesOf = (scopes: string[], allowed: ReadonlySet<string>): readonly string[] => {
    let byScopes = computed.get(allowed);
    if (!byScopes) {
      byScopes = new Map();
      computed.set(allowed, byScopes);
    }
    const key = scopes.join(' ');
    let effective = byScopes.get(key);
    if (!effective) {
      effective = deps.policy.sorted([...deps.policy.expand(scopes)].filter((scope) => allowed.has(scope)));
      if (byScopes.size >= 1_000) byScopes.clear(); // a bound, not a correctness matter
      byScopes.set(key, effective);
    }
    return effective;
  };

  /** What a live entry may do right now; undefined once it has expired or its subject may not act. */
  const effectiveOf = async (entry: TokenEntry): Promise<ResolvedAccessToken | undefined> => {
    if (entry.exp !== null && entry.exp <= now()) return undefined;

    const subject = await deps.permissions.of(entry.sub);
    if (!deps.permissions.isActive(subject)) return undefined;

    let allowed: ReadonlySet<string>;
    let role: string | undefined;
    if (entry.kind === 'resource') {
      const resource = entry.res;
      const membership = resource
        ? subject.memberships.find((m) => m.resourceType === resource.type && m.resourceId === resource.id)
        : undefined;
      if (!resource || !membership) return undefined;
      role = membership.role;
      allowed = deps.policy.allowedByRole(role, resource.type);
    } else {
      allowed = deps.permissions.holdings(subject);
    }
    const effectiveScopes = effectiveScopesOf(entry.scopes, allowed);
    return { entry, subject, effectiveScopes, ...(role ? { role } : {}) };
  };

  const resolve = async (
    token: string,
    use: { ip: string | null },
  ): Promise<ResolvedAccessToken | undefined> => {
    // Prefix, shape and checksum first: garbage never reaches storage.
    const kind = parseToken(token);
    if (!kind) return undefined;
    const entry = await findEntry(deps.tokenHash.digest(token));
    if (!entry || entry.kind !== kind) return undefined;
    const resolved = await effectiveOf(entry);
    if (resolved) deps.lastUsed.touch(entry.id, use.ip);
    return resolved;
  };

  /**
   * Whether the PAT or RAT with this public id still works — not revoked, not expired, its owner
   * enabled, its bot still a member. A JWT exchanged for it (RFC 8693, `token_id`) is good only
   * while this holds, wherever Tessera itself checks it (introspection, the management API).
   */
  const isLive = async (id: string): Promise<boolean> => {
    const row = await deps.repositories.accessTokens.findById(id);
    if (!row || row.revokedAt) return false;
    return (await effectiveOf(entryOf(row))) !== undefined;
  };

  return { resolve, isLive };
};
