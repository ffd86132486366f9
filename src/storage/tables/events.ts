import type { Knex } from 'knex';

/**
 * All SQL for `events`: the outbox of token lifecycle events, written in the transaction of the
 * change they report. Rows are never updated; consumers keep their own progress.
 */
export type EventRow = {
  /** The bigserial as a decimal string: the global order of events. */
  id: string;
  type: string;
  /** The ordering key (a token's id). */
  streamKey: string;
  /** Never a token or secret. */
  data: Record<string, unknown>;
  createdAt: Date;
};

export type NewEvent = {
  type: string;
  streamKey: string;
  data: Record<string, unknown>;
  /** The caller's clock; the database's when absent. */
  createdAt?: Date;
};

type EventRecord = {
  id: number | string;
  type: string;
  stream_key: string;
  data: Record<string, unknown>;
  created_at: Date;
};

const TABLE = 'events';
const COLUMNS = ['id', 'type', 'stream_key', 'data', 'created_at'] as const;

const rowOf = (record: EventRecord): EventRow => ({
  id: String(record.id),
  type: record.type,
  streamKey: record.stream_key,
  data: record.data,
  createdAt: record.created_at,
});

export const insertEvent = async (knex: Knex, event: NewEvent): Promise<EventRow> => {
  const [record] = (await knex(TABLE)
    .insert({
      type: event.type,
      stream_key: event.streamKey,
      data: JSON.stringify(event.data),
      ...(event.createdAt ? { created_at: event.createdAt } : {}),
    })
    .returning([...COLUMNS])) as EventRecord[];
  return rowOf(record as EventRecord);
};

export const findEventById = async (knex: Knex, id: string): Promise<EventRow | undefined> => {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const record = (await knex<EventRecord>(TABLE)
    .select(...COLUMNS)
    .where('id', id)
    .first()) as EventRecord | undefined;
  return record ? rowOf(record) : undefined;
};

export type EventChanges = {
  /** Where the next read starts: no transaction older than this was running at this read. */
  horizon: string;
  /** In id order; may repeat rows of an earlier read (dedupe by id). */
  rows: EventRow[];
};

/** Where a new follower starts: events committed after this call are read by `listEventsSince`. */
export const currentEventHorizon = async (knex: Knex): Promise<string> => {
  const result = (await knex.raw('select pg_snapshot_xmin(pg_current_snapshot())::text as horizon')) as {
    rows: { horizon: string }[];
  };
  return result.rows[0]?.horizon ?? '0';
};

/**
 * The events written by transactions at or after `horizon`, and the horizon for the next read.
 * The horizon is the oldest transaction still running when this read began, so a transaction
 * that commits after a younger one is still seen; rows already seen may come again.
 */
export const listEventsSince = async (
  knex: Knex,
  horizon: string,
  options: { types?: readonly string[] } = {},
): Promise<EventChanges> => {
  const next = await currentEventHorizon(knex);
  const query = knex<EventRecord>(TABLE)
    .select(...COLUMNS)
    .whereRaw('txid >= ?::xid8', [horizon])
    .orderBy('id', 'asc');
  if (options.types) query.whereIn('type', [...options.types]);
  const records = (await query) as EventRecord[];
  return { horizon: next, rows: records.map(rowOf) };
};

/** Forgets events older than `before` that no consumer needs any more; returns how many. */
export const deleteEventsBefore = async (knex: Knex, before: Date): Promise<number> => {
  const deleted = await knex(TABLE).where('created_at', '<', before).delete().returning('id');
  return deleted.length;
};
