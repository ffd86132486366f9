import type { PepperHash } from '../../crypto/pepper-hash.ts';
import { conflict, invalidInput, notFound } from '../../errors.ts';
import type { ChangeBus } from '../../storage/change-bus.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { Revocation, RevocationList } from '../../storage/revocations/revocation-list.ts';
import type { Actor } from '../actors.ts';
import { type AuditActor, recordAudit } from '../audit/audit-log.ts';
import { refuseBuiltInClient } from '../built-ins.ts';
import { parseInput } from '../validation.ts';
import {
  type ApplicationType,
  type Client,
  type ClientView,
  type ClientWithSecret,
  type RegisteredClient,
  type CreateClientInput,
  createClientInput,
  type GrantType,
  isPublicType,
  rotateSecretInput,
  type RotateSecretInput,
  updateClientInput,
  type UpdateClientInput,
} from './client.ts';
import { generateClientId, generateClientSecret } from './client-secret.ts';
import { asRegistrationRefusal } from './registration-refusal.ts';
import { type RegisteredClientInput, RegistrationRefused } from './registration-metadata.ts';
import { checkClientKeys, type ClientKeysInput, PRIVATE_KEY_JWT } from './client-keys.ts';

export const CLIENTS_TOPIC = 'clients';

export type ClientService = ReturnType<typeof createClientService>;

/** The longest any token of a client lives by default (refresh tokens and grants, refresh-token-lifetimes.ts). */
const LONGEST_TOKEN_LIFETIME_MS = 14 * 86_400_000;

/** Only the members a PATCH named: an absent one keeps its value. */
const definedOnly = <T extends object>(changes: T): Partial<T> =>
  Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;

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
  applicationType: client.applicationType,
  redirectUris: client.redirectUris,
  postLogoutRedirectUris: client.postLogoutRedirectUris,
  tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
  // A predecessor past its end date no longer works: not worth showing.
  previousSecretExpiresAt:
    client.previousSecretExpiresAt && client.previousSecretExpiresAt.getTime() > Date.now()
      ? client.previousSecretExpiresAt
      : null,
  refreshTokenAbsoluteTtl: client.refreshTokenAbsoluteTtl,
  refreshTokenIdleTtl: client.refreshTokenIdleTtl,
  dpopBoundAccessTokens: client.dpopBoundAccessTokens,
  registeredVia: client.registeredVia,
  jwks: client.jwks,
  jwksUri: client.jwksUri,
});

/** The fields a client record is checked by: what create takes, read back from a stored client. */
const fieldsOf = (client: Client): CreateClientInput => ({
  name: client.name,
  type: client.applicationType as ApplicationType,
  grantTypes: client.grantTypes as GrantType[],
  resources: client.resources,
  scopes: client.scopes,
  introspects: client.introspects,
  redirectUris: client.redirectUris,
  postLogoutRedirectUris: client.postLogoutRedirectUris,
  refreshTokenAbsoluteTtl: client.refreshTokenAbsoluteTtl,
  refreshTokenIdleTtl: client.refreshTokenIdleTtl,
  dpopBoundAccessTokens: client.dpopBoundAccessTokens,
});

export const createClientService = (deps: {
  repositories: Repositories;
  changes: ChangeBus;
  secretHash: PepperHash;
  revocations: RevocationList;
  /** Hosts a client's jwks_uri may name whatever they resolve to (TESSERA_OUTBOUND_ALLOW_HOSTS). */
  outboundAllowHosts?: readonly string[] | undefined;
}) => {
  const outboundAllowHosts = deps.outboundAllowHosts ?? [];
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

    /** Registers a client; a confidential one gets a secret, shown here once and never again. */
    async create(actor: Actor, input: CreateClientInput & ClientKeysInput): Promise<RegisteredClient> {
      const { tokenEndpointAuthMethod, jwks, jwksUri, ...fields } = input;
      const values = parseInput(createClientInput, fields);
      const keys = await checkClientKeys(
        { tokenEndpointAuthMethod, jwks, jwksUri },
        values.type,
        outboundAllowHosts,
      );
      await checkReferences(values);
      const confidential = !isPublicType(values.type);
      // A client with keys proves itself with them: it gets no secret at all.
      const clientSecret = confidential && !keys ? generateClientSecret() : null;
      const created = await clients.insert({
        clientId: generateClientId(),
        name: values.name,
        applicationType: values.type,
        secretHash: clientSecret ? deps.secretHash.digest(clientSecret) : null,
        tokenEndpointAuthMethod:
          keys?.tokenEndpointAuthMethod ?? (confidential ? 'client_secret_basic' : 'none'),
        jwks: keys?.jwks ?? null,
        jwksUri: keys?.jwksUri ?? null,
        grantTypes: values.grantTypes,
        resources: values.resources,
        scopes: values.scopes,
        introspects: values.introspects,
        redirectUris: values.redirectUris,
        postLogoutRedirectUris: values.postLogoutRedirectUris,
        refreshTokenAbsoluteTtl: values.refreshTokenAbsoluteTtl,
        refreshTokenIdleTtl: values.refreshTokenIdleTtl,
        dpopBoundAccessTokens: values.dpopBoundAccessTokens,
      });
      await recordAudit(deps.repositories, actor, {
        action: 'client.create',
        target: { type: 'client', id: created.clientId },
        details: {
          name: created.name,
          type: created.applicationType,
          grant_types: created.grantTypes,
          redirect_uris: created.redirectUris,
          resources: created.resources,
          scopes: created.scopes,
          introspects: created.introspects,
          token_endpoint_auth_method: created.tokenEndpointAuthMethod,
          ...(created.jwksUri ? { jwks_uri: created.jwksUri } : {}),
        },
      });
      await deps.changes.publish(CLIENTS_TOPIC, created.clientId);
      return { clientId: created.clientId, clientSecret, client: viewOf(created) };
    },

    /**
     * Changes a client. The result is checked by the same rules as a new client, so a change
     * cannot leave behind a record no create would have made (a web app without redirect URIs…).
     */
    async update(
      actor: Actor,
      clientId: string,
      input: UpdateClientInput & ClientKeysInput,
    ): Promise<ClientView> {
      refuseBuiltInClient(clientId, 'changed');
      const { tokenEndpointAuthMethod, jwks, jwksUri, ...fields } = input;
      const changes = parseInput(updateClientInput, fields);
      const current = await existing(clientId);
      const merged = parseInput(createClientInput, { ...fieldsOf(current), ...definedOnly(changes) });
      // Moving to private_key_jwt (or new keys for it) drops the secret: a client has one credential.
      const keys = await checkClientKeys(
        { tokenEndpointAuthMethod, jwks, jwksUri },
        current.applicationType,
        outboundAllowHosts,
        current,
      );
      await checkReferences(merged);
      const { type: _type, ...columns } = merged;
      const updated = await clients.update(clientId, { ...columns, ...(keys ? { keys } : {}) });
      if (!updated) throw notFound(`no client with id ${clientId}`);
      const keyChanges = definedOnly({ tokenEndpointAuthMethod, jwks, jwksUri: jwksUri ?? undefined });
      await recordAudit(deps.repositories, actor, {
        action: 'client.update',
        target: { type: 'client', id: clientId },
        details: { changed: [...Object.keys(definedOnly(changes)), ...Object.keys(keyChanges)] },
      });
      await deps.changes.publish(CLIENTS_TOPIC, clientId);
      return viewOf(updated);
    },

    /**
     * Stores a client that registered itself (RFC 7591), with the id and secret oidc-provider
     * made for it: held to the same rules as a client an operator creates, and refused with an
     * RFC 7591 error (RegistrationRefused) when it breaks one. `registration.scopes` undefined:
     * every scope its APIs define.
     */
    async register(
      actor: AuditActor,
      registration: {
        clientId: string;
        clientSecret: string | null;
        input: RegisteredClientInput;
        registeredVia: string;
      },
    ): Promise<Client> {
      const { confidential, scopes, ...fields } = registration.input;
      const values = await asRegistrationRefusal(async () => {
        const apis = new Map((await apiResources.list()).map((api) => [api.identifier, api]));
        const defined = (fields.resources ?? []).flatMap((identifier) => apis.get(identifier)?.scopes ?? []);
        const parsed = parseInput(createClientInput, { ...fields, scopes: scopes ?? defined });
        await checkReferences(parsed);
        return parsed;
      });
      const existing = await clients.findById(registration.clientId);
      const columns = {
        name: values.name,
        grantTypes: values.grantTypes,
        resources: values.resources,
        scopes: values.scopes,
        introspects: [],
        redirectUris: values.redirectUris,
        postLogoutRedirectUris: values.postLogoutRedirectUris,
        dpopBoundAccessTokens: values.dpopBoundAccessTokens,
      };
      let stored: Client | undefined;
      if (existing && (existing.secretHash !== null) !== confidential)
        throw new RegistrationRefused({
          error: 'invalid_client_metadata',
          description: `token_endpoint_auth_method cannot change: the client is ${existing.secretHash ? 'confidential' : 'public'}`,
        });
      if (existing) {
        // An RFC 7592 update: the type and the secret stay what registration made them.
        if (existing.registeredVia === null)
          throw conflict(`client ${registration.clientId} was not registered through RFC 7591`);
        stored = await clients.update(registration.clientId, columns);
        if (!stored) throw notFound(`no client with id ${registration.clientId}`);
      } else {
        stored = await clients.insert({
          ...columns,
          clientId: registration.clientId,
          applicationType: values.type,
          secretHash: registration.clientSecret ? deps.secretHash.digest(registration.clientSecret) : null,
          tokenEndpointAuthMethod: confidential ? 'client_secret_basic' : 'none',
          registeredVia: registration.registeredVia,
        });
      }
      await recordAudit(deps.repositories, actor, {
        action: existing ? 'client.update' : 'client.register',
        target: { type: 'client', id: stored.clientId },
        details: {
          registered_via: stored.registeredVia,
          name: stored.name,
          type: stored.applicationType,
          grant_types: stored.grantTypes,
          redirect_uris: stored.redirectUris,
          resources: stored.resources,
          scopes: stored.scopes,
        },
      });
      await deps.changes.publish(CLIENTS_TOPIC, stored.clientId);
      return stored;
    },

    list: async (): Promise<ClientView[]> => (await clients.list()).map(viewOf),

    get: async (clientId: string): Promise<ClientView> => viewOf(await existing(clientId)),

    /**
     * Gives the client a new secret. With `keepOldForSeconds`, the secret it replaces keeps working
     * until then, so the new one can be rolled out to every instance of the client without an
     * outage; a later rotation ends that overlap (only one predecessor is kept).
     */
    async rotateSecret(
      actor: Actor,
      clientId: string,
      input: RotateSecretInput = {},
    ): Promise<ClientWithSecret> {
      refuseBuiltInClient(clientId, 'given a secret (it is a public client, protected by PKCE)');
      const { keepOldForSeconds } = parseInput(rotateSecretInput, input);
      const current = await existing(clientId);
      if (current.tokenEndpointAuthMethod === PRIVATE_KEY_JWT)
        throw conflict(
          `client ${clientId} authenticates with ${PRIVATE_KEY_JWT}: it has no secret to rotate (give it new keys instead)`,
        );
      if (!current.secretHash)
        throw conflict(
          `client ${clientId} is a public client (${current.applicationType}): it has no secret to rotate`,
        );
      const clientSecret = generateClientSecret();
      const oldUntil = keepOldForSeconds > 0 ? new Date(Date.now() + keepOldForSeconds * 1000) : null;
      const updated = await clients.updateSecretHash(
        clientId,
        deps.secretHash.digest(clientSecret),
        oldUntil,
      );
      if (!updated) throw notFound(`no client with id ${clientId}`);
      await recordAudit(deps.repositories, actor, {
        action: 'client.rotate_secret',
        target: { type: 'client', id: clientId },
        details: { old_secret_valid_until: oldUntil?.toISOString() ?? 'now' },
      });
      await deps.changes.publish(CLIENTS_TOPIC, clientId);
      return { clientId, clientSecret, client: viewOf(updated) };
    },

    /**
     * Deletes the client and revokes every token and grant issued to it so far: recorded in
     * Postgres with the deletion, so no token of it comes back whatever Redis keeps.
     */
    async remove(actor: Actor | AuditActor, clientId: string): Promise<void> {
      refuseBuiltInClient(clientId, 'deleted');
      const current = await existing(clientId);
      // The revocation must outlive the longest-lived token of the client: its refresh tokens.
      const longest = Math.max(LONGEST_TOKEN_LIFETIME_MS, (current.refreshTokenAbsoluteTtl ?? 0) * 1000);
      const at = new Date();
      const revocation: Revocation = {
        kind: 'client',
        key: clientId,
        revokedAt: at,
        expiresAt: new Date(at.getTime() + longest),
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
