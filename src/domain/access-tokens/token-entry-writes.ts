import { AppError, unavailable } from '../../errors.ts';
import { entryOf } from '../../storage/token-entries/contract.ts';
import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';

/**
 * Keeping the token store (the Redis fast path) in step with Postgres. A revocation's tombstone is
 * written inside the transaction: if Redis fails, Postgres rolls back too, and the caller is told to
 * try again. A new or rotated token's entry is written after the commit, best effort: a missing
 * entry is rebuilt from Postgres on the token's first use.
 */
type Deps = Pick<AccessTokenDeps, 'entries'>;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Replaces the entry of `row`'s token hash with a tombstone, or throws 503. */
export const revokeEntryOrFail = async (
  deps: Deps,
  row: AccessTokenRow,
  at: Date,
  what: 'revoked' | 'rotated',
): Promise<void> => {
  try {
    await deps.entries?.revoke(row.tokenHash, row.expiresAt ? seconds(row.expiresAt) : null, seconds(at));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unavailable(`the token store is unavailable; the token was not ${what}, try again`, error);
  }
};

export const restoreEntry = async (deps: Deps, row: AccessTokenRow, at: Date): Promise<void> => {
  await deps.entries?.restore(row.tokenHash, entryOf(row), seconds(at)).catch(() => {});
};
