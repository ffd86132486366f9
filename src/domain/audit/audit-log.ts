import { forbidden } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { Actor, RequestMeta } from '../actors.ts';
import { actorScopes } from '../actors.ts';
import { decodeCursor, encodeCursor, pageLimit } from '../pagination.ts';
import type { AuditEventView, AuditQuery, AuditService } from './audit-event.ts';

/**
 * The audit log: who did what to which target, from where. Records carry ids and metadata,
 * never a token or secret. Writes go through the caller's transaction, so an event exists exactly
 * when its change does.
 */
export type AuditRecord = {
  action: string;
  target: { type: string; id: string };
  details?: Record<string, unknown>;
};

/**
 * Who the log names: an actor of the domain, a client revoking a token over RFC 7009, or someone
 * unauthenticated who reported a leaked token (`id` names the channel: `public` or a signing key).
 */
export type AuditActor =
  Pick<Actor, 'kind' | 'id' | 'meta'> | { kind: 'reporter'; id: string; meta: RequestMeta };

export const recordAudit = (repositories: Repositories, actor: AuditActor, record: AuditRecord) =>
  repositories.auditEvents.insert({
    actorType: actor.kind,
    actorId: actor.id,
    action: record.action,
    targetType: record.target.type,
    targetId: record.target.id,
    ip: actor.meta.ip ?? null,
    userAgent: actor.meta.userAgent ?? null,
    details: record.details ?? {},
  });

export const createAuditService = (deps: { repositories: Repositories }): AuditService => ({
  async list(actor: Actor, query: AuditQuery) {
    if (!actorScopes(actor).includes('admin'))
      throw forbidden('the audit log is for administrators (scope admin)');
    const limit = pageLimit(query.limit);
    const before = query.cursor
      ? decodeCursor(query.cursor, 'cursor', (key) => /^\d{1,18}$/.test(key.id ?? '')).id
      : undefined;
    const rows = await deps.repositories.auditEvents.list({
      actorId: query.actorId,
      action: query.action,
      targetType: query.targetType,
      targetId: query.targetId,
      since: query.since,
      until: query.until,
      limit: limit + 1,
      before,
    });
    const items: AuditEventView[] = rows.slice(0, limit).map((row) => ({
      id: row.id,
      occurredAt: row.occurredAt,
      actor: { type: row.actorType, id: row.actorId },
      action: row.action,
      target: { type: row.targetType, id: row.targetId },
      ip: row.ip,
      userAgent: row.userAgent,
      details: row.details,
    }));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ id: last.id }) : null };
  },
});
