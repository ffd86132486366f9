import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { AuditActor } from '../audit/audit-log.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { AccessTokenView } from './access-token.ts';
import { auditTokenChange } from './access-token-audit.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';
import { viewOf } from './access-token-view.ts';
import { afterRevocationCommit, revocationsOf } from './token-entry-writes.ts';
import type { RevocationReason } from '../events/event-types.ts';
import { recordTokenRevoked } from '../events/token-events.ts';

/** Beyond the reason: more audit details, and writes that share the transaction. */
export type RevocationExtras = {
  details?: Record<string, unknown>;
  inTransaction?: (tx: Repositories, row: AccessTokenRow) => Promise<void>;
};

/**
 * Revokes a token the actor may manage (the caller has checked). The row, its revocation record
 * and the audit event are committed in one transaction; the answer waits for that commit, and the
 * Redis tombstone follows it (token-entry-writes.ts). Revoking a revoked token changes nothing.
 * The `token.revoked` event is recorded in that transaction too, with `reason`.
 * A RAT's bot exists for that token only: it loses its membership and is disabled.
 * `extras` adds to the audit event (a leak report's source) and writes what else belongs in the
 * same transaction (the owner's `token.leaked` notice).
 */
export const revokeAccessToken = async (
  deps: AccessTokenDeps,
  actor: AuditActor,
  row: AccessTokenRow,
  reason: RevocationReason = 'revoked',
  extras: RevocationExtras = {},
): Promise<AccessTokenView> => {
  const { repositories, now } = deps;
  if (row.revokedAt) return viewOf(row, now());
  const at = now();
  const revoked = await repositories.transaction(async (tx) => {
    const updated = await tx.accessTokens.revoke(row.id, { revokedAt: at, revokedBy: actor.id });
    if (!updated) return undefined; // revoked concurrently
    if (updated.kind === 'resource' && updated.resourceType && updated.resourceId) {
      await tx.memberships.delete(updated.subjectId, updated.resourceType, updated.resourceId);
      await tx.subjects.setDisabled(updated.subjectId, at);
    }
    await auditTokenChange(tx, actor, 'access_token.revoke', updated, {
      ...(reason === 'revoked' ? {} : { reason }),
      ...extras.details,
    });
    await recordTokenRevoked(tx, actor, updated, reason, at);
    await extras.inTransaction?.(tx, updated);
    await deps.revocations.record(tx, revocationsOf(updated, at, 'revoked'));
    return updated;
  });
  if (revoked) await afterRevocationCommit(deps, [revoked], revocationsOf(revoked, at, 'revoked'), at);
  if (revoked?.kind === 'resource') await deps.permissions.changed(revoked.subjectId);
  return viewOf(revoked ?? ((await repositories.accessTokens.findById(row.id)) as AccessTokenRow), now());
};
