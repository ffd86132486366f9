import type { Knex } from 'knex';

const IDENTIFIER = 'urn:tessera:management';

/**
 * Tessera's own management API (`/v1`) as an API resource, so its bearer tokens are issued and
 * checked like any other API's. Left alone when an operator already created it.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex('api_resources')
    .insert({
      identifier: IDENTIFIER,
      name: 'Tessera management API',
      format: 'jwt',
      access_token_ttl: 900,
      scopes: ['tokens:read', 'tokens:write', 'resources:write', 'admin'],
      signing_alg: 'ES256',
    })
    .onConflict('identifier')
    .ignore();
};

export const down = async (knex: Knex): Promise<void> => {
  await knex('api_resources').where({ identifier: IDENTIFIER }).delete();
};
