import type { Knex } from 'knex';

/**
 * Webhook subscriptions and their deliveries, fed by the event outbox (`events`).
 *
 * - `webhook_subscriptions`: a URL, the event types it wants, and its signing secret SEALED
 *   (AES-GCM under the server pepper): the secret must be read back to sign, so it cannot be a
 *   hash, and it is never stored in clear.
 * - `webhook_deliveries`: one row per (event, subscription), queued in the transaction that
 *   records the event. A worker claims due rows with FOR UPDATE SKIP LOCKED and a lease, so one
 *   instance at a time sends each; a delivery waits while an older one of the same subscription
 *   and stream key is still pending, which keeps each token's events in order.
 * - `webhook_attempts`: the delivery log, one row per HTTP attempt (status, latency, error).
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('webhook_subscriptions', (table) => {
    table.text('id').primary();
    table.text('url').notNullable();
    table.specificType('event_types', 'text[]').notNullable();
    table.text('description').notNullable().defaultTo('');
    table.text('sealed_secret').notNullable();
    table.boolean('enabled').notNullable().defaultTo(true);
    table.text('created_by').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('webhook_deliveries', (table) => {
    table.bigIncrements('id').primary();
    table
      .text('subscription_id')
      .notNullable()
      .references('id')
      .inTable('webhook_subscriptions')
      .onDelete('CASCADE');
    table.bigInteger('event_id').notNullable().references('id').inTable('events').onDelete('CASCADE');
    table.text('stream_key').notNullable();
    table.text('state').notNullable().defaultTo('pending').checkIn(['pending', 'delivered', 'dead']);
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).notNullable();
    table.timestamp('leased_until', { useTz: true }).nullable();
    table.timestamp('first_attempt_at', { useTz: true }).nullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.unique(['subscription_id', 'event_id'], { indexName: 'webhook_deliveries_event_unique' });
    table.index(['subscription_id', 'stream_key', 'id'], 'webhook_deliveries_stream_index');
    table.index(['state', 'next_attempt_at'], 'webhook_deliveries_due_index');
  });
  await knex.schema.createTable('webhook_attempts', (table) => {
    table.bigIncrements('id').primary();
    table
      .bigInteger('delivery_id')
      .notNullable()
      .references('id')
      .inTable('webhook_deliveries')
      .onDelete('CASCADE');
    table.text('subscription_id').notNullable();
    table.timestamp('attempted_at', { useTz: true }).notNullable();
    // Null: no HTTP answer (refused, timed out).
    table.integer('status').nullable();
    table.integer('latency_ms').notNullable();
    table.text('error').nullable();
    table.index(['subscription_id', 'id'], 'webhook_attempts_subscription_index');
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('webhook_attempts');
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhook_subscriptions');
};
