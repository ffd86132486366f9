import type { Knex } from 'knex';

/**
 * oidc-provider's models (tokens, grants, sessions, interactions…) in the embedded profile, or
 * wherever Redis is not configured. `id`, `grant_id`, `uid` and `user_code` hold HMACs, never the
 * values themselves (see src/storage/oidc-adapter/contract.ts).
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('oidc_models', (table) => {
    table.text('model').notNullable();
    table.text('id').notNullable();
    table.jsonb('payload').notNullable();
    table.text('grant_id').nullable();
    table.text('uid').nullable();
    table.text('user_code').nullable();
    table.timestamp('expires_at', { useTz: true }).nullable();
    table.timestamp('consumed_at', { useTz: true }).nullable();
    table.primary(['model', 'id']);
    table.index(['grant_id'], 'oidc_models_grant_id_index');
    table.index(['model', 'uid'], 'oidc_models_model_uid_index');
    table.index(['model', 'user_code'], 'oidc_models_model_user_code_index');
    table.index(['expires_at'], 'oidc_models_expires_at_index');
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('oidc_models');
};
