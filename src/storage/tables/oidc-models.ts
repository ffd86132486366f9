import type { Knex } from 'knex';

/**
 * All SQL for `oidc_models`: oidc-provider's entries when they live in SQL. Every id-like column
 * holds an HMAC computed by the caller (the SQL adapter); this module never sees a raw id.
 */
export type OidcModelRecord = {
  model: string;
  /** hashId(id) */
  id: string;
  payload: Record<string, unknown>;
  /** hashId(grantId) */
  grantId: string | null;
  /** hashId(uid) */
  uid: string | null;
  /** hashId(userCode) */
  userCode: string | null;
  expiresAt: Date | null;
  consumedAt: Date | null;
};

type OidcModelColumns = {
  model: string;
  id: string;
  payload: Record<string, unknown>;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: Date | null;
  consumed_at: Date | null;
};

const TABLE = 'oidc_models';

const toRow = (record: OidcModelColumns): OidcModelRecord => ({
  model: record.model,
  id: record.id,
  payload: record.payload,
  grantId: record.grant_id,
  uid: record.uid,
  userCode: record.user_code,
  expiresAt: record.expires_at,
  consumedAt: record.consumed_at,
});

/** Rows that have not expired at `now`. */
const live = (knex: Knex, now: Date) =>
  knex<OidcModelColumns>(TABLE).where((query) =>
    query.whereNull('expires_at').orWhere('expires_at', '>', now),
  );

/** Inserts or wholly replaces the entry (model, id), consumption included. */
export const upsertOidcModel = async (knex: Knex, entry: OidcModelRecord): Promise<void> => {
  await knex<OidcModelColumns>(TABLE)
    .insert({
      model: entry.model,
      id: entry.id,
      // A string, not the object: `pg` would send a top-level array as a Postgres array.
      payload: JSON.stringify(entry.payload) as unknown as Record<string, unknown>,
      grant_id: entry.grantId,
      uid: entry.uid,
      user_code: entry.userCode,
      expires_at: entry.expiresAt,
      consumed_at: entry.consumedAt,
    })
    .onConflict(['model', 'id'])
    .merge();
};

export const findLiveOidcModelById = async (
  knex: Knex,
  model: string,
  id: string,
  now: Date,
): Promise<OidcModelRecord | undefined> => {
  const record = await live(knex, now).andWhere({ model, id }).first();
  return record ? toRow(record as OidcModelColumns) : undefined;
};

export const findLiveOidcModelByUid = async (
  knex: Knex,
  model: string,
  uid: string,
  now: Date,
): Promise<OidcModelRecord | undefined> => {
  const record = await live(knex, now).andWhere({ model, uid }).first();
  return record ? toRow(record as OidcModelColumns) : undefined;
};

export const findLiveOidcModelByUserCode = async (
  knex: Knex,
  model: string,
  userCode: string,
  now: Date,
): Promise<OidcModelRecord | undefined> => {
  const record = await live(knex, now).andWhere({ model, user_code: userCode }).first();
  return record ? toRow(record as OidcModelColumns) : undefined;
};

/** Marks the entry consumed: `consumed` (epoch seconds) joins the payload, as oidc-provider reads it. */
export const consumeOidcModel = async (knex: Knex, model: string, id: string, now: Date): Promise<void> => {
  const epochSeconds = Math.floor(now.getTime() / 1000);
  await knex<OidcModelColumns>(TABLE)
    .where({ model, id })
    .update({
      payload: knex.raw("payload || jsonb_build_object('consumed', ?::bigint)", [
        epochSeconds,
      ]) as unknown as Record<string, unknown>,
      consumed_at: now,
    });
};

export const deleteOidcModel = async (knex: Knex, model: string, id: string): Promise<void> => {
  await knex<OidcModelColumns>(TABLE).where({ model, id }).delete();
};

/** Every entry of the grant, whatever its model. */
export const deleteOidcModelsByGrantId = async (knex: Knex, grantId: string): Promise<void> => {
  await knex<OidcModelColumns>(TABLE).where({ grant_id: grantId }).delete();
};

/**
 * Deletes entries expired at `now`, `batchSize` rows per statement so a large backlog never holds
 * long locks; returns how many were deleted.
 */
export const sweepExpired = async (knex: Knex, now: Date, batchSize = 1000): Promise<number> => {
  let total = 0;
  for (;;) {
    const result = (await knex.raw(
      `delete from ${TABLE} where (model, id) in (select model, id from ${TABLE} where expires_at <= ? limit ?)`,
      [now, batchSize],
    )) as { rowCount: number | null };
    const count = result.rowCount ?? 0;
    total += count;
    if (count < batchSize) return total;
  }
};

/** Every row as stored: for operators' checks and the at-rest tests. */
export const listOidcModels = async (knex: Knex): Promise<OidcModelRecord[]> => {
  const records = await knex<OidcModelColumns>(TABLE).select('*').orderBy(['model', 'id']);
  return (records as OidcModelColumns[]).map(toRow);
};
