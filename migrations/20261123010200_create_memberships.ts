import type { Knex } from 'knex';

/** Subject × resource × role; a membership applies to the resource's sub-resources too. */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('memberships', (table) => {
    table.text('subject_id').notNullable();
    table.text('resource_type').notNullable();
    table.text('resource_id').notNullable();
    // Not a check constraint: the role names come from configuration.
    table.text('role').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['subject_id', 'resource_type', 'resource_id']);
    table
      .foreign('subject_id', 'memberships_subject_fkey')
      .references('id')
      .inTable('subjects')
      .onDelete('CASCADE');
    table
      .foreign(['resource_type', 'resource_id'], 'memberships_resource_fkey')
      .references(['type', 'id'])
      .inTable('resources')
      .onDelete('CASCADE');
    table.index(['resource_type', 'resource_id'], 'memberships_resource_index');
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('memberships');
};
