import type { Repositories } from '../../storage/repositories.ts';
import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import { type AuditActor, recordAudit } from '../audit/audit-log.ts';

/** The audit event of a change to a PAT or RAT, written in the transaction that makes the change. */
export const auditTokenChange = (
  tx: Repositories,
  actor: AuditActor,
  action: 'access_token.create' | 'access_token.revoke' | 'access_token.rotate',
  row: AccessTokenRow,
  details: Record<string, unknown> = {},
) =>
  recordAudit(tx, actor, {
    action,
    target: { type: 'access_token', id: row.id },
    details: {
      kind: row.kind,
      name: row.name,
      subject: row.subjectId,
      ...(row.resourceType ? { resource: `${row.resourceType}/${row.resourceId}` } : {}),
      ...details,
    },
  });
