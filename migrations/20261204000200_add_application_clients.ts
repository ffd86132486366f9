import type { Knex } from 'knex';

/**
 * Applications that sign people in (web, SPA, native) next to the services that use
 * client_credentials; a rotated secret's predecessor, which keeps working until its end date so a
 * rotation needs no downtime; and refresh-token lifetimes per client.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.alterTable('clients', (table) => {
    // service | web | spa | native. Existing rows are services (client_credentials, token exchange).
    table.text('application_type').notNullable().defaultTo('service');
    table.text('previous_secret_hash').nullable();
    table.timestamp('previous_secret_expires_at', { useTz: true }).nullable();
    // Seconds; null means the server's default.
    table.integer('refresh_token_absolute_ttl').nullable();
    table.integer('refresh_token_idle_ttl').nullable();
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.alterTable('clients', (table) => {
    table.dropColumns(
      'application_type',
      'previous_secret_hash',
      'previous_secret_expires_at',
      'refresh_token_absolute_ttl',
      'refresh_token_idle_ttl',
    );
  });
};
