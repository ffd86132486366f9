import type { Knex } from 'knex';

/**
 * A token's name is unique among its owner's active tokens (domain/access-tokens/token-names.ts),
 * checked on every create. With only the owner's (subject_id, created_at) index, that check read
 * every token the owner ever had: an account that creates tokens by the thousand (a CI robot, the
 * bench's scenario 7) fetched thousands of rows per create. These partial indexes hold only
 * unrevoked tokens, by owner and name.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.raw(
    'create index access_tokens_active_name_by_subject on access_tokens (subject_id, name) where revoked_at is null',
  );
  await knex.raw(
    'create index access_tokens_active_name_by_resource on access_tokens (resource_type, resource_id, name) where revoked_at is null',
  );
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.raw('drop index access_tokens_active_name_by_resource');
  await knex.raw('drop index access_tokens_active_name_by_subject');
};
