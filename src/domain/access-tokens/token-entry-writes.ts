import type { Revocation } from '../../storage/revocations/revocation-list.ts';
import { entryOf } from '../../storage/token-entries/contract.ts';
import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';

/**
 * Keeping the token store (the Redis fast path) in step with Postgres, the record. A revocation
 * (or a rotation, which revokes the old string) is committed in Postgres with its revocation
 * record and audit event, in one transaction; only then is the Redis tombstone written, best
 * effort: Redis failing then is logged, not the caller's error, because every lookup consults the
 * revocation record whatever Redis holds. A new or rotated token's entry is written after the
 * commit too: a missing entry is rebuilt from Postgres on the token's first use.
 */
type Deps = Pick<AccessTokenDeps, 'entries' | 'revocations' | 'onBackgroundError'>;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * What revoking `row`'s token records: its id (every string it ever had) and its current string's
 * hash (what a Redis tombstone or a stale entry is keyed by).
 */
export const revocationsOf = (row: AccessTokenRow, at: Date, what: 'revoked' | 'rotated'): Revocation[] => [
  ...(what === 'revoked'
    ? [{ kind: 'access_token' as const, key: row.id, revokedAt: at, expiresAt: row.expiresAt }]
    : []),
  { kind: 'token_hash', key: row.tokenHash, revokedAt: at, expiresAt: row.expiresAt },
];

/** After the commit: visible everywhere, then tombstones in Redis (best effort, see above). */
export const afterRevocationCommit = async (
  deps: Deps,
  rows: readonly AccessTokenRow[],
  revocations: readonly Revocation[],
  at: Date,
): Promise<void> => {
  await deps.revocations.announce(revocations);
  await Promise.all(
    rows.map((row) =>
      deps.entries
        ?.revoke(row.tokenHash, row.expiresAt ? seconds(row.expiresAt) : null, seconds(at))
        .catch(deps.onBackgroundError),
    ),
  );
};

export const restoreEntry = async (
  deps: Pick<Deps, 'entries'>,
  row: AccessTokenRow,
  at: Date,
): Promise<void> => {
  await deps.entries?.restore(row.tokenHash, entryOf(row), seconds(at)).catch(() => {});
};
