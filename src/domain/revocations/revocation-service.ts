import type { Repositories } from '../../storage/repositories.ts';
import type { Revocation, RevocationList } from '../../storage/revocations/revocation-list.ts';
import { type AuditActor, type AuditRecord, recordAudit } from '../audit/audit-log.ts';
import type { TesseraEvent } from '../events/event-types.ts';
import { recordEvent } from '../events/record-event.ts';

/**
 * Revocations of tokens the library issues (JWT and opaque access tokens, refresh tokens, grants)
 * as Tessera's own code makes them: the record in Postgres and its audit event in one transaction,
 * visible on this instance once committed and on the others at their next check. The answer to
 * the caller waits for it. What is revoked is asked synchronously, from memory.
 */
export type RevocationService = {
  has: RevocationList['has'];
  revokedAt: RevocationList['revokedAt'];
  /** `has`, or revoked on another instance a moment ago (revocation-list.ts); optional for tests. */
  hasAnywhere?: RevocationList['hasAnywhere'];
  /** `events` (e.g. `token.revoked`) are recorded in the same transaction (record-event.ts). */
  revoke(
    actor: AuditActor,
    revocations: readonly Revocation[],
    audit: AuditRecord,
    events?: readonly TesseraEvent[],
  ): Promise<void>;
};

export const createRevocationService = (deps: {
  repositories: Repositories;
  list: RevocationList;
}): RevocationService => ({
  has: (kind, key) => deps.list.has(kind, key),
  revokedAt: (kind, key) => deps.list.revokedAt(kind, key),
  hasAnywhere: (kind, key) => deps.list.hasAnywhere(kind, key),
  async revoke(actor, revocations, audit, events = []) {
    const at = revocations[0]?.revokedAt ?? new Date();
    await deps.repositories.transaction(async (tx) => {
      await deps.list.record(tx, revocations);
      await recordAudit(tx, actor, audit);
      for (const event of events) await recordEvent(tx, event, at);
    });
    await deps.list.announce(revocations);
  },
});
