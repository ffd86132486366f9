import type { Knex } from 'knex';

/**
 * All SQL for `revocations`: the record of every revocation, kept until the revoked thing would
 * have expired anyway. Writes are idempotent; readers follow it with `listRevocationsSince`.
 */
export type RevocationRow = {
  kind: string;
  /** An id or an HMAC: never a bearer secret. */
  key: string;
  revokedAt: Date;
  /** Null: never expires. */
  expiresAt: Date | null;
};

type RevocationRecord = {
  kind: string;
  key: string;
  revoked_at: Date;
  expires_at: Date | null;
};

const TABLE = 'revocations';

const rowOf = (record: RevocationRecord): RevocationRow => ({
  kind: record.kind,
  key: record.key,
  revokedAt: record.revoked_at,
  expiresAt: record.expires_at,
});

/**
 * Records revocations; one already recorded keeps the later revocation time and the later expiry
 * (null, never, wins). Every write stamps the writing transaction, so readers see it again.
 */
export const upsertRevocations = async (knex: Knex, rows: readonly RevocationRow[]): Promise<void> => {
  if (rows.length === 0) return;
  // One row per key (the latest revocation, the longest expiry), sorted so that two transactions
  // revoking the same keys lock them in the same order.
  const byKey = new Map<string, RevocationRow>();
  for (const row of rows) {
    const id = `${row.kind}\u0000${row.key}`;
    const seen = byKey.get(id);
    byKey.set(
      id,
      seen
        ? {
            ...row,
            revokedAt: seen.revokedAt > row.revokedAt ? seen.revokedAt : row.revokedAt,
            expiresAt:
              seen.expiresAt === null || row.expiresAt === null
                ? null
                : seen.expiresAt > row.expiresAt
                  ? seen.expiresAt
                  : row.expiresAt,
          }
        : row,
    );
  }
  const unique = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  await knex(TABLE)
    .insert(
      unique.map((row) => ({
        kind: row.kind,
        key: row.key,
        revoked_at: row.revokedAt,
        expires_at: row.expiresAt,
      })),
    )
    .onConflict(['kind', 'key'])
    .merge({
      revoked_at: knex.raw('greatest(??, excluded.revoked_at)', [`${TABLE}.revoked_at`]),
      expires_at: knex.raw(
        'case when ?? is null or excluded.expires_at is null then null else greatest(??, excluded.expires_at) end',
        [`${TABLE}.expires_at`, `${TABLE}.expires_at`],
      ),
      txid: knex.raw('pg_current_xact_id()'),
    });
};

export type RevocationChanges = {
  /** Where the next read starts: no transaction older than this was running at this read. */
  horizon: string;
  rows: RevocationRow[];
};

/**
 * The unexpired revocations written by transactions at or after `horizon` (all of them without
 * one), and the horizon for the next read. The horizon is the oldest transaction still running
 * when this read began, so a transaction that commits after a younger one is still seen.
 */
export const listRevocationsSince = async (
  knex: Knex,
  horizon: string | undefined,
  now: Date,
): Promise<RevocationChanges> => {
  const result = (await knex.raw('select pg_snapshot_xmin(pg_current_snapshot())::text as horizon')) as {
    rows: { horizon: string }[];
  };
  const next = result.rows[0]?.horizon ?? '0';
  const query = knex<RevocationRecord>(TABLE)
    .select('kind', 'key', 'revoked_at', 'expires_at')
    .where((where) => where.whereNull('expires_at').orWhere('expires_at', '>', now));
  if (horizon !== undefined) query.andWhereRaw('txid >= ?::xid8', [horizon]);
  const records = (await query) as RevocationRecord[];
  return { horizon: next, rows: records.map(rowOf) };
};

/** Forgets revocations whose token expired before `before`; returns how many. */
export const deleteExpiredRevocations = async (knex: Knex, before: Date): Promise<number> => {
  const deleted = await knex(TABLE)
    .whereNotNull('expires_at')
    .andWhere('expires_at', '<', before)
    .delete()
    .returning('id');
  return deleted.length;
};
