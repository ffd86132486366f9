import type { PepperHash } from '../../crypto/pepper-hash.ts';
import { invalidInput, notFound } from '../../errors.ts';
import type { ChangeBus } from '../../storage/change-bus.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { Revocation, RevocationList } from '../../storage/revocations/revocation-list.ts';
import type { Actor } from '../actors.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { refuseBuiltInClient } from '../built-ins.ts';
import { parseInput } from '../validation.ts';
import {
  type Client,
  type ClientView,
  type ClientWithSecret,
  type CreateClientInput,
  createClientInput,
} from './client.ts';
import { generateClientId, generateClientSecret } from './client-secret.ts';

export const CLIENTS_TOPIC = 'clients';

export type ClientService = ReturnType<typeof createClientService>;

/** The longest any token of a client lives (refresh tokens and grants, create-provider.ts). */
const LONGEST_TOKEN_LIFETIME_MS = 14 * 86_400_000;

const viewOf = (client: Client): ClientView => ({
  clientId: client.clientId,
  name: client.name,
  grantTypes: client.grantTypes,
  resources: client.resources,
  scopes: client.scopes,
  introspects: client.introspects,
  createdAt: client.createdAt,
  updatedAt: client.updatedAt,
  secretRotatedAt: client.secretRotatedAt,
});

export const createClientService = (deps: {
  repositories: Repositories;
  changes: ChangeBus;
  secretHash: PepperHash;
  revocations: RevocationList;
}) => {
  const { clients, apiResources } = deps.repositories;

  /** Every named API must exist, and every scope must be defined by one of the client's APIs. */
  const checkReferences = async (input: { resources: string[]; scopes: string[]; introspects: string[] }) => {
    const apis = new Map((await apiResources.list()).map((api) => [api.identifier, api]));
    for (const [field, identifiers] of [
      ['resources', input.resources],
      ['introspects', input.introspects],
    ] as const) {
      const unknown = identifiers.filter((identifier) => !apis.has(identifier));
      if (unknown.length > 0) {
        throw invalidInput(
          `${field} names unknown API resource(s): ${unknown.join(', ')} (create them with: tessera api-resources create)`,
          field,
        );
      }
    }
    const defined = new Set(input.resources.flatMap((identifier) => apis.get(identifier)?.scopes ?? []));
    const undefinedScopes = input.scopes.filter((scope) => !defined.has(scope));
    if (undefinedScopes.length > 0) {
      throw invalidInput(
        `scopes ${undefinedScopes.join(', ')} not defined by any of the client's API resources`,
        'scopes',
      );
    }
  };

  const existing = async (clientId: string): Promise<Client> => {
    const found = await clients.findById(clientId);
    if (!found) throw notFound(`no client with id ${clientId}`);
    return found;
  };

  return {
    /** The whole record, for the token endpoint and introspection (through their cache). */
    find: (clientId: string): Promise<Client | undefined> => clients.findById(clientId),
    findMany: (clientIds: string[]): Promise<Map<string, Client>> => clients.findByIds(clientIds),

    async create(actor: Actor, input: CreateClientInput): Promise<ClientWithSecret> {
      const values = parseInput(createClientInput, input);
      await checkReferences(values);
      const clientSecret = generateClientSecret();
      const created = await clients.insert({
        clientId: generateClientId(),
        name: values.name,
        secretHash: deps.secretHash.digest(clientSecret),
        grantTypes: values.grantTypes,
        resources: values.resources,
        scopes: values.scopes,
        introspects: values.introspects,
      });
      await recordAudit(deps.repositories, actor, {
        action: 'client.create',
        target: { type: 'client', id: created.clientId },
        details: {
          name: created.name,
          resources: created.resources,
          scopes: created.scopes,
          introspects: created.introspects,
        },
      });
      await deps.changes.publish(CLIENTS_TOPIC, created.clientId);
      return { clientId: created.clientId, clientSecret, client: viewOf(created) };
    },

    list: async (): Promise<ClientView[]> => (await clients.list()).map(viewOf),

    get: async (clientId: string): Promise<ClientView> => viewOf(await existing(clientId)),

    async rotateSecret(actor: Actor, clientId: string): Promise<ClientWithSecret> {
      refuseBuiltInClient(clientId, 'given a secret (it is a public client, protected by PKCE)');
      await existing(clientId);
      const clientSecret = generateClientSecret();
      const updated = await clients.updateSecretHash(clientId, deps.secretHash.digest(clientSecret));
      if (!updated) throw notFound(`no client with id ${clientId}`);
      await recordAudit(deps.repositories, actor, {
        action: 'client.rotate_secret',
        target: { type: 'client', id: clientId },
      });
      await deps.changes.publish(CLIENTS_TOPIC, clientId);
      return { clientId, clientSecret, client: viewOf(updated) };
    },

    /**
     * Deletes the client and revokes every token and grant issued to it so far: recorded in
     * Postgres with the deletion, so no token of it comes back whatever Redis keeps.
     */
    async remove(actor: Actor, clientId: string): Promise<void> {
      refuseBuiltInClient(clientId, 'deleted');
      const at = new Date();
      const revocation: Revocation = {
        kind: 'client',
        key: clientId,
        revokedAt: at,
        expiresAt: new Date(at.getTime() + LONGEST_TOKEN_LIFETIME_MS),
      };
      await deps.repositories.transaction(async (tx) => {
        if (!(await tx.clients.deleteById(clientId))) throw notFound(`no client with id ${clientId}`);
        await deps.revocations.record(tx, [revocation]);
        await recordAudit(tx, actor, {
          action: 'client.delete',
          target: { type: 'client', id: clientId },
          details: { revokes: 'every token and grant issued to the client' },
        });
      });
      await deps.revocations.announce([revocation]);
      await deps.changes.publish(CLIENTS_TOPIC, clientId);
    },
  };
};
