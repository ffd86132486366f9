import type { Repositories } from '../../storage/repositories.ts';
import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { AuditActor } from '../audit/audit-log.ts';
import { eventTokenOfRow } from './event-token.ts';
import type { RevocationReason } from './event-types.ts';
import { recordEvent } from './record-event.ts';

/** The events of a PAT's or RAT's life, recorded in the transaction of the change (record-event.ts). */

export const recordTokenCreated = (tx: Repositories, actor: AuditActor, row: AccessTokenRow, at: Date) =>
  recordEvent(
    tx,
    {
      type: 'token.created',
      streamKey: row.id,
      data: { token: eventTokenOfRow(row), createdBy: actor.id, createdAt: at.toISOString() },
    },
    at,
  );

export const recordTokenRevoked = (
  tx: Repositories,
  actor: AuditActor,
  row: AccessTokenRow,
  reason: RevocationReason,
  at: Date,
) =>
  recordEvent(
    tx,
    {
      type: 'token.revoked',
      streamKey: row.id,
      data: { token: eventTokenOfRow(row), reason, revokedBy: actor.id, revokedAt: at.toISOString() },
    },
    at,
  );

export const recordTokenRotated = (tx: Repositories, actor: AuditActor, row: AccessTokenRow, at: Date) =>
  recordEvent(
    tx,
    {
      type: 'token.rotated',
      streamKey: row.id,
      data: { token: eventTokenOfRow(row), rotatedBy: actor.id, rotatedAt: at.toISOString() },
    },
    at,
  );
