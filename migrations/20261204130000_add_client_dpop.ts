import type { Knex } from 'knex';

/**
 * RFC 9449 §5.2 `dpop_bound_access_tokens`: a client that must prove possession of a DPoP key on
 * every token request. Existing clients keep working as before (false).
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.alterTable('clients', (table) => {
    table.boolean('dpop_bound_access_tokens').notNullable().defaultTo(false);
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.alterTable('clients', (table) => {
    table.dropColumn('dpop_bound_access_tokens');
  });
};
