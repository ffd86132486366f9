import { z } from 'zod';
import type { AuditEventView, AuditQuery } from '../../../domain/audit/audit-event.ts';
import { cursorSchema, limitSchema } from './pagination.ts';
import { timestampSchema, toTimestamp } from './timestamp.ts';

const instantSchema = z.iso.datetime({ offset: true });

export const auditQuerySchema = z
  .strictObject({
    actor: z.string().min(1).max(128).optional().describe('Only events by this subject or client id.'),
    action: z.string().min(1).max(64).optional().describe('Only this action, such as `access_token.revoke`.'),
    target_type: z.string().min(1).max(64).optional(),
    target_id: z.string().min(1).max(128).optional(),
    since: instantSchema.optional().describe('Only events at or after this instant (ISO 8601).'),
    until: instantSchema.optional().describe('Only events before this instant (ISO 8601).'),
    limit: limitSchema,
    cursor: cursorSchema.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.since && query.until && Date.parse(query.since) > Date.parse(query.until)) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'must not be before since' });
    }
  });

export const toAuditQuery = (query: z.output<typeof auditQuerySchema>): AuditQuery => ({
  actorId: query.actor,
  action: query.action,
  targetType: query.target_type,
  targetId: query.target_id,
  since: query.since === undefined ? undefined : new Date(query.since),
  until: query.until === undefined ? undefined : new Date(query.until),
  limit: query.limit,
  cursor: query.cursor,
});

const subjectRef = z.object({ type: z.string(), id: z.string() });

export const auditEventSchema = z
  .object({
    id: z.string(),
    occurred_at: timestampSchema,
    actor: subjectRef,
    action: z.string(),
    target: subjectRef,
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({
    id: 'AuditEvent',
    description: 'Something that changed, who did it and from where. Never a token.',
  });

export const presentAuditEvent = (event: AuditEventView): z.input<typeof auditEventSchema> => ({
  id: event.id,
  occurred_at: toTimestamp(event.occurredAt),
  actor: { type: event.actor.type, id: event.actor.id },
  action: event.action,
  target: { type: event.target.type, id: event.target.id },
  ip: event.ip,
  user_agent: event.userAgent,
  details: event.details,
});
