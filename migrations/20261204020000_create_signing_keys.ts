import type { Knex } from 'knex';

/**
 * The signing keys of the production profile (the embedded profile keeps its keys folder). The
 * public half is stored in clear, because it is published; the private JWK only sealed with the
 * key-encryption key (`kek_id` names which). A key is published from the moment its row exists and
 * signs from `activates_at`; retiring a key deletes its row.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('signing_keys', (table) => {
    table.text('kid').primary();
    table.text('alg').notNullable();
    table.jsonb('public_jwk').notNullable();
    table.text('sealed_private_jwk').notNullable();
    table.text('kek_id').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('activates_at', { useTz: true }).notNullable();
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('signing_keys');
};
