import type { Knex } from 'knex';

/** APIs that accept Tessera's tokens; `identifier` is the RFC 8707 resource and the tokens' `aud`. */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('api_resources', (table) => {
    table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    table.text('identifier').notNullable().unique();
    table.text('name').notNullable();
    table.text('format').notNullable().checkIn(['jwt', 'opaque'], 'api_resources_format_check');
    table.integer('access_token_ttl').notNullable().checkPositive('api_resources_access_token_ttl_check');
    table.specificType('scopes', 'text[]').notNullable().defaultTo(knex.raw("'{}'"));
    table
      .text('signing_alg')
      .notNullable()
      .checkIn(['ES256', 'RS256', 'EdDSA'], 'api_resources_signing_alg_check');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('api_resources');
};
