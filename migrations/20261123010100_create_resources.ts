import type { Knex } from 'knex';

/**
 * The platform's objects tokens are scoped to (group → application → instance by default): only
 * their ids, names and parent links, synced through the admin API.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('resources', (table) => {
    table.text('type').notNullable();
    table.text('id').notNullable();
    table.text('name').notNullable();
    table.text('parent_type').nullable();
    table.text('parent_id').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['type', 'id']);
    // RESTRICT: removing a resource that still has sub-resources is refused, never cascaded into
    // a silent loss of a whole subtree (and of every membership on it).
    table
      .foreign(['parent_type', 'parent_id'], 'resources_parent_fkey')
      .references(['type', 'id'])
      .inTable('resources')
      .onDelete('RESTRICT');
    table.index(['parent_type', 'parent_id'], 'resources_parent_index');
    table.check('(parent_type is null) = (parent_id is null)', [], 'resources_parent_check');
    table.check('not (parent_type = type and parent_id = id)', [], 'resources_not_own_parent_check');
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('resources');
};
