import type { Knex } from 'knex';

/**
 * The applications each person has authorized on the consent page: one row per grant, so the
 * console can list them and revoke one (which revokes its grant). The grants themselves live in
 * the token store; a grant id is a handle, not a credential.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('authorizations', (table) => {
    table.text('account_id').notNullable();
    table.text('grant_id').notNullable();
    table.text('client_id').notNullable();
    table.specificType('resources', 'text[]').notNullable().defaultTo(knex.raw("'{}'"));
    table.specificType('scopes', 'text[]').notNullable().defaultTo(knex.raw("'{}'"));
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['account_id', 'grant_id']);
    table.index(['account_id', 'client_id']);
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('authorizations');
};
