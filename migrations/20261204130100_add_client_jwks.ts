import type { Knex } from 'knex';

/**
 * Keys of clients that authenticate with private_key_jwt (RFC 7523): either their public JWKS,
 * registered inline, or the https URL they publish it at — never both (a check constraint, so no
 * path around the domain's rule can store an ambiguous client). Such a client has no secret.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.alterTable('clients', (table) => {
    table.jsonb('jwks').nullable();
    table.text('jwks_uri').nullable();
  });
  await knex.raw(
    'alter table clients add constraint clients_jwks_or_jwks_uri check (jwks is null or jwks_uri is null)',
  );
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.raw('alter table clients drop constraint if exists clients_jwks_or_jwks_uri');
  await knex.schema.alterTable('clients', (table) => {
    table.dropColumn('jwks_uri');
    table.dropColumn('jwks');
  });
};
