import type { Knex } from 'knex';

/**
 * All SQL for `ssf_queue`: the Security Event Tokens waiting for (or delivered to) each Shared
 * Signals stream. Poll receivers acknowledge by `jti`; the push deliverer claims due rows with
 * SKIP LOCKED, so with several instances each SET is being sent by one of them at a time.
 */
export type SsfQueueRow = {
  id: string;
  streamId: string;
  jti: string;
  eventId: string | null;
  eventType: string;
  claims: Record<string, unknown>;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  ackedAt: Date | null;
  createdAt: Date;
};

export type NewSsfQueueEntry = Pick<SsfQueueRow, 'streamId' | 'jti' | 'eventId' | 'eventType' | 'claims'>;

type SsfQueueRecord = {
  id: string | number;
  stream_id: string;
  jti: string;
  event_id: string | number | null;
  event_type: string;
  claims: Record<string, unknown>;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  acked_at: Date | null;
  created_at: Date;
};

const TABLE = 'ssf_queue';

const rowOf = (record: SsfQueueRecord): SsfQueueRow => ({
  id: String(record.id),
  streamId: record.stream_id,
  jti: record.jti,
  eventId: record.event_id === null ? null : String(record.event_id),
  eventType: record.event_type,
  claims: record.claims,
  attempts: record.attempts,
  nextAttemptAt: record.next_attempt_at,
  lastError: record.last_error,
  ackedAt: record.acked_at,
  createdAt: record.created_at,
});

/** Queues SETs; one already queued for the same stream, event and type is left as it is. */
export const enqueueSsfEvents = async (knex: Knex, entries: readonly NewSsfQueueEntry[]): Promise<number> => {
  if (entries.length === 0) return 0;
  const inserted = await knex(TABLE)
    .insert(
      entries.map((entry) => ({
        stream_id: entry.streamId,
        jti: entry.jti,
        event_id: entry.eventId,
        event_type: entry.eventType,
        claims: JSON.stringify(entry.claims),
      })),
    )
    .onConflict(['stream_id', 'event_id', 'event_type'])
    .ignore()
    .returning('id');
  return inserted.length;
};

/** The stream's unacknowledged SETs, oldest first. */
export const listPendingSsfEvents = async (
  knex: Knex,
  streamId: string,
  limit: number,
): Promise<SsfQueueRow[]> =>
  (
    (await knex<SsfQueueRecord>(TABLE)
      .where({ stream_id: streamId })
      .whereNull('acked_at')
      .orderBy('id', 'asc')
      .limit(limit)) as SsfQueueRecord[]
  ).map(rowOf);

export const countPendingSsfEvents = async (knex: Knex, streamId: string): Promise<number> => {
  const [row] = (await knex(TABLE)
    .where({ stream_id: streamId })
    .whereNull('acked_at')
    .count({ n: '*' })) as {
    n: string | number;
  }[];
  return Number(row?.n ?? 0);
};

/** Marks the stream's SETs with these jtis delivered; unknown jtis are ignored. */
export const ackSsfEvents = async (
  knex: Knex,
  streamId: string,
  jtis: readonly string[],
  at: Date,
): Promise<number> => {
  if (jtis.length === 0) return 0;
  return knex(TABLE)
    .where({ stream_id: streamId })
    .whereIn('jti', [...jtis])
    .whereNull('acked_at')
    .update({ acked_at: at });
};

/**
 * Claims up to `limit` due SETs of push streams for delivery: each is leased until `leaseUntil`
 * (its next attempt moves there), so the sending happens outside any transaction and another
 * instance takes other rows (SKIP LOCKED while claiming); a sender that dies leaves a lease that
 * runs out. Oldest first; nothing overtakes an earlier SET of its stream that is not due yet.
 */
export const claimDueSsfPushes = async (
  knex: Knex,
  options: { now: Date; leaseUntil: Date; limit: number },
): Promise<SsfQueueRow[]> => {
  const due = knex(`${TABLE} as q`)
    .select('q.id')
    .join('ssf_streams as s', 's.id', 'q.stream_id')
    .where('s.delivery_method', 'urn:ietf:rfc:8935')
    .andWhere('s.status', 'enabled')
    .whereNull('q.acked_at')
    .andWhere('q.next_attempt_at', '<=', options.now)
    .whereNotExists((earlier) =>
      earlier
        .select(knex.raw('1'))
        .from(`${TABLE} as p`)
        .whereRaw(
          'p.stream_id = q.stream_id and p.id < q.id and p.acked_at is null and p.next_attempt_at > ?',
          [options.now],
        ),
    )
    .orderBy('q.id', 'asc')
    .limit(options.limit)
    .forUpdate('q')
    .skipLocked();
  const records = (await knex(TABLE)
    .whereIn('id', due)
    .update({ next_attempt_at: options.leaseUntil })
    .returning('*')) as SsfQueueRecord[];
  return records.map(rowOf).sort((a, b) => Number(a.id) - Number(b.id));
};

/** Moves a claimed SET's next attempt (a lease given back, or its stream's earlier SET failed). */
export const rescheduleSsfPush = async (knex: Knex, id: string, at: Date): Promise<void> => {
  await knex(TABLE).where({ id }).whereNull('acked_at').update({ next_attempt_at: at });
};

export const recordSsfPushFailure = async (
  knex: Knex,
  id: string,
  failure: { error: string; nextAttemptAt: Date },
): Promise<void> => {
  await knex(TABLE)
    .where({ id })
    .update({
      attempts: knex.raw('attempts + 1'),
      last_error: failure.error.slice(0, 500),
      next_attempt_at: failure.nextAttemptAt,
    });
};

/** Forgets SETs acknowledged before `before` (long after any re-read of the outbox could queue them again). */
export const deleteAckedSsfEvents = async (knex: Knex, before: Date): Promise<number> =>
  knex(TABLE).whereNotNull('acked_at').andWhere('acked_at', '<', before).delete();
