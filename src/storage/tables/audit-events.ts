import type { Knex } from 'knex';

/** All SQL for `audit_events`: the append-only log of who did what to which record. */
export type AuditEventRow = {
  /** The bigint identity as a decimal string: it outgrows a JS number long before it runs out. */
  id: string;
  occurredAt: Date;
  actorType: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
};

export type NewAuditEvent = {
  /** The caller's clock; the database's when absent. */
  occurredAt?: Date;
  actorType: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  ip?: string | null;
  userAgent?: string | null;
  /** Never a secret. */
  details?: Record<string, unknown>;
};

export type AuditEventFilter = {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Inclusive. */
  since?: Date;
  /** Exclusive. */
  until?: Date;
  limit: number;
  /** The id of the last event of the previous page. */
  before?: string;
};

type AuditEventRecord = {
  id: number | bigint | string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string;
  action: string;
  target_type: string;
  target_id: string;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
};

const TABLE = 'audit_events';

const toRow = (record: AuditEventRecord): AuditEventRow => ({
  // int8 arrives as a number, or a BigInt past 2^53 (see database.ts); String() suits both.
  id: String(record.id),
  occurredAt: record.occurred_at,
  actorType: record.actor_type,
  actorId: record.actor_id,
  action: record.action,
  targetType: record.target_type,
  targetId: record.target_id,
  ip: record.ip,
  userAgent: record.user_agent,
  details: record.details,
});

export const insertAuditEvent = async (knex: Knex, input: NewAuditEvent): Promise<AuditEventRow> => {
  const [record] = await knex<AuditEventRecord>(TABLE)
    .insert({
      ...(input.occurredAt ? { occurred_at: input.occurredAt } : {}),
      actor_type: input.actorType,
      actor_id: input.actorId,
      action: input.action,
      target_type: input.targetType,
      target_id: input.targetId,
      ip: input.ip ?? null,
      user_agent: input.userAgent ?? null,
      // A string, not the object: `pg` would send a top-level array as a Postgres array.
      details: JSON.stringify(input.details ?? {}) as unknown as Record<string, unknown>,
    })
    .returning('*');
  return toRow(record as AuditEventRecord);
};

/** Newest first (by id), one page of `limit`; the next page passes the last id as `before`. */
export const listAuditEvents = async (knex: Knex, filter: AuditEventFilter): Promise<AuditEventRow[]> => {
  const query = knex<AuditEventRecord>(TABLE).select('*');
  if (filter.actorId !== undefined) query.where({ actor_id: filter.actorId });
  if (filter.action !== undefined) query.where({ action: filter.action });
  if (filter.targetType !== undefined) query.where({ target_type: filter.targetType });
  if (filter.targetId !== undefined) query.where({ target_id: filter.targetId });
  if (filter.since) query.where('occurred_at', '>=', filter.since);
  if (filter.until) query.where('occurred_at', '<', filter.until);
  if (filter.before !== undefined) query.whereRaw('id < ?::bigint', [filter.before]);
  const records = await query.orderBy('id', 'desc').limit(filter.limit);
  return (records as AuditEventRecord[]).map(toRow);
};
