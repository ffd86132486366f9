import type { Knex } from 'knex';

/**
 * Dynamic client registration (RFC 7591 / 7592).
 *
 * - `registration_tokens`: the initial access tokens operators hand out, one row each. Only the
 *   token's keyed hash is stored (`token_hash`), never the token; `id` (`rit_…`) is what lists,
 *   the audit log and revocation name.
 * - `clients.registered_via`: how a client came to be — null for the ones operators created,
 *   `open` or `initial_access_token:<rit id>` for the ones that registered themselves.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('registration_tokens', (table) => {
    table.text('id').primary();
    table.text('token_hash').notNullable().unique('registration_tokens_token_hash_unique');
    table.text('name').notNullable();
    table.timestamp('expires_at', { useTz: true }).nullable();
    table.text('created_by').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('revoked_at', { useTz: true }).nullable();
    table.timestamp('last_used_at', { useTz: true }).nullable();
    table.integer('uses').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('clients', (table) => {
    table.text('registered_via').nullable();
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.alterTable('clients', (table) => {
    table.dropColumn('registered_via');
  });
  await knex.schema.dropTable('registration_tokens');
};
