import type { Knex } from 'knex';

/**
 * The event outbox: every token lifecycle event (`token.revoked`, `token.created`…), written in
 * the same transaction as the change it reports, so an event exists exactly when its change does.
 * Consumers (webhook deliveries, Shared Signals streams) read from here; nothing is sent from
 * inside the writing transaction.
 *
 * - `id` is the global order of events as they were inserted.
 * - `stream_key` is the ordering key (a token's id): consumers keep events of one key in order.
 * - `txid` is the writing transaction's id, so a follower that reads "what is new" asks for rows of
 *   transactions at or after the oldest one still running at its previous read and never skips a
 *   slow commit (the same horizon scheme as `revocations`).
 * - `data` never holds a token or secret: ids, kinds, subjects, audiences, times.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('events', (table) => {
    table.bigIncrements('id').primary();
    table.text('type').notNullable();
    table.text('stream_key').notNullable();
    table.jsonb('data').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.specificType('txid', 'xid8').notNullable().defaultTo(knex.raw('pg_current_xact_id()'));
    table.index(['txid'], 'events_txid_index');
    table.index(['stream_key', 'id'], 'events_stream_key_index');
    table.index(['created_at'], 'events_created_at_index');
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('events');
};
