import type { Knex } from 'knex';

/**
 * The record of every revocation (JWT jti, opaque token, grant, consumed code, deleted client,
 * PAT/RAT and a rotated PAT's old hash), kept until the token it names would have expired anyway.
 * Redis is a cache of it. `key` is an id or an HMAC, never a bearer secret. `txid` is the writing
 * transaction's id: readers ask for rows of transactions at or after the oldest one still running
 * at their previous read, so a slow commit is never skipped (revocation-list.ts).
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('revocations', (table) => {
    table.bigIncrements('id').primary();
    table.text('kind').notNullable();
    table.text('key').notNullable();
    table.timestamp('revoked_at', { useTz: true }).notNullable();
    // Null: the token never expires, nor does its revocation.
    table.timestamp('expires_at', { useTz: true }).nullable();
    table.specificType('txid', 'xid8').notNullable().defaultTo(knex.raw('pg_current_xact_id()'));
    table.unique(['kind', 'key'], { indexName: 'revocations_kind_key_unique' });
    table.index(['txid'], 'revocations_txid_index');
    table.index(['expires_at'], 'revocations_expires_at_index');
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('revocations');
};
