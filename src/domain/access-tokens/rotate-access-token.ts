import { conflict } from '../../errors.ts';
import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { Actor } from '../actors.ts';
import type { IssuedAccessToken } from './access-token.ts';
import { auditTokenChange } from './access-token-audit.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';
import { tokenState, viewOf } from './access-token-view.ts';
import { mintToken } from './mint-token.ts';
import { afterRevocationCommit, restoreEntry, revocationsOf } from './token-entry-writes.ts';
import { recordTokenRotated } from '../events/token-events.ts';

/**
 * Replaces an active token's string (the caller has checked the actor may manage it): the record,
 * its name, scopes and expiry stay; the old string stops working with the commit, which records
 * its hash as revoked, so no copy of its entry Redis may give back works again.
 */
export const rotateAccessToken = async (
  deps: AccessTokenDeps,
  actor: Actor,
  row: AccessTokenRow,
): Promise<IssuedAccessToken> => {
  const { repositories, now } = deps;
  const state = tokenState(row, now());
  if (state !== 'active') throw conflict(`only an active token can be rotated; this one is ${state}`);
  const minted = mintToken(row.kind, deps.tokenHash);
  const at = now();
  const rotated = await repositories.transaction(async (tx) => {
    const updated = await tx.accessTokens.replaceHash(row.id, {
      tokenHash: minted.tokenHash,
      displayHint: minted.displayHint,
      rotatedAt: at,
    });
    if (!updated) throw conflict('the token was revoked meanwhile');
    await auditTokenChange(tx, actor, 'access_token.rotate', updated);
    await recordTokenRotated(tx, actor, updated, at);
    await deps.revocations.record(tx, revocationsOf(row, at, 'rotated'));
    return updated;
  });
  await afterRevocationCommit(deps, [row], revocationsOf(row, at, 'rotated'), at);
  await restoreEntry(deps, rotated, at);
  return { token: minted.token, record: viewOf(rotated, now()) };
};
