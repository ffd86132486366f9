import type { Client, Provider } from 'oidc-provider';
import type { ClientRow } from '../../storage/tables/clients.ts';

/**
 * The library's `Client` for a client row, built once per row: `Client.find` validates the
 * metadata and hashes it on every call; a row object lives until the cache drops it (a change on
 * the bus, or its TTL), and then the next one gets a freshly built client.
 */
export type BuiltClients = { get(row: ClientRow): Promise<Client | undefined> };

export const createBuiltClients = (provider: Provider): BuiltClients => {
  const built = new WeakMap<ClientRow, Client>();
  return {
    async get(row) {
      let client = built.get(row);
      if (!client) {
        client = await provider.Client.find(row.clientId);
        if (client) built.set(row, client);
      }
      return client;
    },
  };
};
