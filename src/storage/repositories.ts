import type { Knex } from 'knex';
import * as apiResources from './tables/api-resources.ts';
import * as clients from './tables/clients.ts';

/**
 * The table functions bound to one database handle. The domain receives this object and never
 * sees knex; every SQL statement stays in `tables/`.
 */
export const createRepositories = (knex: Knex) => ({
  apiResources: {
    insert: (input: Parameters<typeof apiResources.insertApiResource>[1]) =>
      apiResources.insertApiResource(knex, input),
    findByIdentifier: (identifier: string) => apiResources.findApiResourceByIdentifier(knex, identifier),
    list: () => apiResources.listApiResources(knex),
    deleteByIdentifier: (identifier: string) => apiResources.deleteApiResourceByIdentifier(knex, identifier),
  },
  clients: {
    insert: (input: Parameters<typeof clients.insertClient>[1]) => clients.insertClient(knex, input),
    findById: (clientId: string) => clients.findClientById(knex, clientId),
    list: () => clients.listClients(knex),
    deleteById: (clientId: string) => clients.deleteClientById(knex, clientId),
    updateSecretHash: (clientId: string, secretHash: string) =>
      clients.updateClientSecretHash(knex, clientId, secretHash),
    listIdsUsingResource: (identifier: string) => clients.listClientIdsUsingResource(knex, identifier),
  },
});

export type Repositories = ReturnType<typeof createRepositories>;
