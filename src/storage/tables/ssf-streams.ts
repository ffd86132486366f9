import type { Knex } from 'knex';

/**
 * All SQL for `ssf_streams`: Shared Signals streams, each owned by the client that created it,
 * with its cursor (`horizon`) into the event outbox.
 */
export type SsfStreamRow = {
  id: string;
  clientId: string;
  aud: string[];
  deliveryMethod: string;
  endpointUrl: string | null;
  /** Sealed (sealed-box.ts): the Authorization header value a push receiver asked for. */
  pushAuthorization: string | null;
  eventsRequested: string[];
  description: string | null;
  status: 'enabled' | 'paused' | 'disabled';
  statusReason: string | null;
  horizon: string;
  createdAt: Date;
  updatedAt: Date;
};

export type NewSsfStream = Omit<
  SsfStreamRow,
  'createdAt' | 'updatedAt' | 'horizon' | 'status' | 'statusReason'
>;
export type SsfStreamChanges = Partial<
  Pick<
    SsfStreamRow,
    | 'aud'
    | 'deliveryMethod'
    | 'endpointUrl'
    | 'pushAuthorization'
    | 'eventsRequested'
    | 'description'
    | 'status'
    | 'statusReason'
    | 'horizon'
  >
>;

type SsfStreamRecord = {
  id: string;
  client_id: string;
  aud: string[];
  delivery_method: string;
  endpoint_url: string | null;
  push_authorization: string | null;
  events_requested: string[];
  description: string | null;
  status: SsfStreamRow['status'];
  status_reason: string | null;
  horizon: string;
  created_at: Date;
  updated_at: Date;
};

const TABLE = 'ssf_streams';
const COLUMNS = [
  'id',
  'client_id',
  'aud',
  'delivery_method',
  'endpoint_url',
  'push_authorization',
  'events_requested',
  'description',
  'status',
  'status_reason',
  'created_at',
  'updated_at',
] as const;

const rowOf = (record: SsfStreamRecord): SsfStreamRow => ({
  id: record.id,
  clientId: record.client_id,
  aud: record.aud,
  deliveryMethod: record.delivery_method,
  endpointUrl: record.endpoint_url,
  pushAuthorization: record.push_authorization,
  eventsRequested: record.events_requested,
  description: record.description,
  status: record.status,
  statusReason: record.status_reason,
  horizon: String(record.horizon),
  createdAt: record.created_at,
  updatedAt: record.updated_at,
});

const select = (knex: Knex) =>
  knex<SsfStreamRecord>(TABLE).select(...COLUMNS, knex.raw('horizon::text as horizon'));

/** A new stream reads the outbox from now on: its horizon is the oldest transaction running now. */
export const insertSsfStream = async (knex: Knex, stream: NewSsfStream): Promise<SsfStreamRow> => {
  const [record] = (await knex(TABLE)
    .insert({
      id: stream.id,
      client_id: stream.clientId,
      aud: JSON.stringify(stream.aud),
      delivery_method: stream.deliveryMethod,
      endpoint_url: stream.endpointUrl,
      push_authorization: stream.pushAuthorization,
      events_requested: JSON.stringify(stream.eventsRequested),
      description: stream.description,
      horizon: knex.raw('pg_snapshot_xmin(pg_current_snapshot())'),
    })
    .returning([...COLUMNS, knex.raw('horizon::text as horizon')])) as SsfStreamRecord[];
  return rowOf(record as SsfStreamRecord);
};

export const findSsfStream = async (knex: Knex, id: string): Promise<SsfStreamRow | undefined> => {
  const record = (await select(knex).where({ id }).first()) as SsfStreamRecord | undefined;
  return record ? rowOf(record) : undefined;
};

/** The stream, locked until the transaction ends: one feeder at a time moves its cursor. */
export const lockSsfStream = async (knex: Knex, id: string): Promise<SsfStreamRow | undefined> => {
  const record = (await select(knex).where({ id }).forUpdate().first()) as SsfStreamRecord | undefined;
  return record ? rowOf(record) : undefined;
};

export const listSsfStreams = async (
  knex: Knex,
  filter: { clientId?: string } = {},
): Promise<SsfStreamRow[]> => {
  const query = select(knex).orderBy('created_at', 'asc');
  if (filter.clientId) query.where('client_id', filter.clientId);
  return ((await query) as unknown as SsfStreamRecord[]).map(rowOf);
};

export const updateSsfStream = async (
  knex: Knex,
  id: string,
  changes: SsfStreamChanges,
): Promise<SsfStreamRow | undefined> => {
  const values: Record<string, unknown> = { updated_at: knex.fn.now() };
  if (changes.aud !== undefined) values.aud = JSON.stringify(changes.aud);
  if (changes.deliveryMethod !== undefined) values.delivery_method = changes.deliveryMethod;
  if (changes.endpointUrl !== undefined) values.endpoint_url = changes.endpointUrl;
  if (changes.pushAuthorization !== undefined) values.push_authorization = changes.pushAuthorization;
  if (changes.eventsRequested !== undefined)
    values.events_requested = JSON.stringify(changes.eventsRequested);
  if (changes.description !== undefined) values.description = changes.description;
  if (changes.status !== undefined) values.status = changes.status;
  if (changes.statusReason !== undefined) values.status_reason = changes.statusReason;
  if (changes.horizon !== undefined) values.horizon = knex.raw('?::xid8', [changes.horizon]);
  const [record] = (await knex(TABLE)
    .where({ id })
    .update(values)
    .returning([...COLUMNS, knex.raw('horizon::text as horizon')])) as SsfStreamRecord[];
  return record ? rowOf(record) : undefined;
};

export const deleteSsfStream = async (knex: Knex, id: string): Promise<boolean> =>
  (await knex(TABLE).where({ id }).delete()) > 0;
