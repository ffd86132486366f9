import type { Knex } from 'knex';

/**
 * Shared Signals Framework streams (Tessera as transmitter) and the Security Event Tokens queued
 * for them.
 *
 * - `ssf_streams`: one per receiver stream, owned by the OAuth client that created it. `horizon`
 *   is the stream's cursor into the event outbox (`events.txid`, the same scheme as revocations),
 *   so a slow commit is never skipped; `push_authorization` (a receiver's secret) is sealed.
 * - the management API gains the `ssf` scope (unless an operator defined its scopes), which a receiver's client needs for these endpoints
 *   (`clients create --resources urn:tessera:management --scopes ssf`).
 * - `ssf_queue`: one row per SET to deliver: the outbox event it comes from (unique per stream
 *   and event type, so an event read twice is queued once), its `jti`, and the delivery state.
 *   A row is kept after acknowledgement until the horizon is long past it, so a re-read of the
 *   outbox does not queue it again. SETs are signed when delivered, with the keys of that moment.
 */
const MANAGEMENT_API = 'urn:tessera:management';

export const up = async (knex: Knex): Promise<void> => {
  await knex('api_resources')
    .where({ identifier: MANAGEMENT_API })
    // Only the management API as its migration made it: an operator's own definition is left alone.
    .andWhereRaw("scopes = array['tokens:read', 'tokens:write', 'resources:write', 'admin']::text[]")
    .update({ scopes: knex.raw("array_append(scopes, 'ssf')") });
  await knex.schema.createTable('ssf_streams', (table) => {
    table.text('id').primary();
    table.text('client_id').notNullable();
    table.jsonb('aud').notNullable();
    table.text('delivery_method').notNullable();
    table.text('endpoint_url').nullable();
    table.text('push_authorization').nullable();
    table.jsonb('events_requested').notNullable();
    table.text('description').nullable();
    table.text('status').notNullable().defaultTo('enabled');
    table.text('status_reason').nullable();
    table.specificType('horizon', 'xid8').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['client_id'], 'ssf_streams_client_id_index');
  });
  await knex.schema.createTable('ssf_queue', (table) => {
    table.bigIncrements('id').primary();
    table.text('stream_id').notNullable().references('id').inTable('ssf_streams').onDelete('CASCADE');
    table.text('jti').notNullable();
    /** The outbox event (null: a verification event, which has none). */
    table.bigInteger('event_id').nullable();
    table.text('event_type').notNullable();
    /** The SET's claims without iss/iat/jti/aud, which are set when it is signed. */
    table.jsonb('claims').notNullable();
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.text('last_error').nullable();
    table.timestamp('acked_at', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.unique(['stream_id', 'event_id', 'event_type'], { indexName: 'ssf_queue_event_unique' });
    table.unique(['stream_id', 'jti'], { indexName: 'ssf_queue_jti_unique' });
    table.index(['stream_id', 'acked_at', 'id'], 'ssf_queue_pending_index');
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('ssf_queue');
  await knex.schema.dropTable('ssf_streams');
  await knex('api_resources')
    .where({ identifier: MANAGEMENT_API })
    .update({ scopes: knex.raw("array_remove(scopes, 'ssf')") });
};
