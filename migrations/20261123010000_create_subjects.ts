import type { Knex } from 'knex';

/**
 * Who a token speaks for: people (`usr_…`, with a username and an argon2id password hash) and bots
 * (`bot_…`, created with a resource access token and owned by that resource).
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('subjects', (table) => {
    table.text('id').primary();
    table.text('kind').notNullable().checkIn(['user', 'bot'], 'subjects_kind_check');
    table.text('username').nullable();
    table.text('password_hash').nullable();
    table.boolean('is_admin').notNullable().defaultTo(false);
    table.timestamp('disabled_at', { useTz: true }).nullable();
    // No foreign key: a bot outlives the resource it was made for, as the author of past tokens.
    table.text('resource_type').nullable();
    table.text('resource_id').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.check('(resource_type is null) = (resource_id is null)', [], 'subjects_resource_check');
  });
  // Sign-in is case-insensitive, so `Alice` and `alice` must not be two people.
  await knex.raw('create unique index subjects_username_lower_unique on subjects (lower(username))');
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('subjects');
};
