import type { Knex } from 'knex';

/**
 * Personal and resource access token records: metadata and the token's hash, never the token.
 * No foreign key to `resources`: the revoked tokens of a deleted resource stay as history.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('access_tokens', (table) => {
    table.text('id').primary();
    table.text('kind').notNullable().checkIn(['personal', 'resource'], 'access_tokens_kind_check');
    table.text('name').notNullable();
    table.text('subject_id').notNullable();
    table.text('resource_type').nullable();
    table.text('resource_id').nullable();
    table.text('role').nullable();
    table.specificType('scopes', 'text[]').notNullable();
    table.specificType('audience', 'text[]').notNullable().defaultTo(knex.raw("'{}'"));
    table.text('token_hash').notNullable().unique({ indexName: 'access_tokens_token_hash_unique' });
    table.text('display_hint').notNullable();
    table.timestamp('expires_at', { useTz: true }).nullable();
    // Millisecond precision, as a JS Date holds it: lists are paged by (created_at, id) with the
    // last row's values, which must compare equal to what is stored.
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.text('created_by').notNullable();
    table.timestamp('last_used_at', { useTz: true }).nullable();
    table.text('last_used_ip').nullable();
    table.timestamp('rotated_at', { useTz: true }).nullable();
    table.timestamp('revoked_at', { useTz: true }).nullable();
    table.text('revoked_by').nullable();
    table.foreign('subject_id', 'access_tokens_subject_fkey').references('id').inTable('subjects');
    // A resource token always names its resource and role; a personal token never does.
    table.check(
      `(kind = 'personal' and resource_type is null and resource_id is null and role is null)
       or (kind = 'resource' and resource_type is not null and resource_id is not null and role is not null)`,
      [],
      'access_tokens_kind_shape_check',
    );
  });
  await knex.raw(
    'create index access_tokens_subject_index on access_tokens (subject_id, created_at desc, id desc)',
  );
  await knex.raw(
    'create index access_tokens_resource_index on access_tokens (resource_type, resource_id, created_at desc)',
  );
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('access_tokens');
};
