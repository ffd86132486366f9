import type { Knex } from 'knex';

/** Who did what to which record, append-only; `details` never holds a secret. */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('audit_events', (table) => {
    // An identity rather than a uuid: ids grow with time, so they order and page the log.
    table.specificType('id', 'bigint generated always as identity').primary();
    table.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.text('actor_type').notNullable();
    table.text('actor_id').notNullable();
    table.text('action').notNullable();
    table.text('target_type').notNullable();
    table.text('target_id').notNullable();
    table.text('ip').nullable();
    table.text('user_agent').nullable();
    table.jsonb('details').notNullable().defaultTo(knex.raw("'{}'"));
    table.index(['occurred_at'], 'audit_events_occurred_at_index');
    table.index(['actor_id'], 'audit_events_actor_id_index');
    table.index(['action'], 'audit_events_action_index');
    table.index(['target_type', 'target_id'], 'audit_events_target_index');
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('audit_events');
};
