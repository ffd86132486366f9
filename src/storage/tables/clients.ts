import type { Knex } from 'knex';
import { isStorableText } from '../query-guard.ts';
import { rethrowUniqueViolation } from './unique-violation.ts';

/** All SQL for `clients`: OAuth clients. A client secret is only ever stored as its hash. */
export type ClientRow = {
  clientId: string;
  name: string;
  secretHash: string | null;
  grantTypes: string[];
  /** API identifiers, in order: the first is the client's default audience. */
  resources: string[];
  scopes: string[];
  /** API identifiers whose tokens this client may introspect. */
  introspects: string[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  tokenEndpointAuthMethod: string;
  firstParty: boolean;
  createdAt: Date;
  updatedAt: Date;
  secretRotatedAt: Date | null;
  applicationType: string;
  /** The secret before the last rotation, accepted until previousSecretExpiresAt. */
  previousSecretHash: string | null;
  previousSecretExpiresAt: Date | null;
  refreshTokenAbsoluteTtl: number | null;
  refreshTokenIdleTtl: number | null;
  /** RFC 9449 §5.2: every token request of this client must carry a DPoP proof. */
  dpopBoundAccessTokens: boolean;
  /** Null: created by an operator; `open` or `initial_access_token:<rit id>`: registered itself (RFC 7591). */
  registeredVia: string | null;
  /** private_key_jwt: the client's public JWKS, registered inline (or null). */
  jwks: ClientJwks | null;
  /** private_key_jwt: where the client publishes its JWKS (or null). */
  jwksUri: string | null;
};

/** A public JSON Web Key Set, as registered (the domain checked it holds no private key). */
export type ClientJwks = { keys: Record<string, unknown>[] };

export type NewClient = {
  clientId: string;
  name: string;
  secretHash: string | null;
  grantTypes: string[];
  resources: string[];
  scopes: string[];
  introspects?: string[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  tokenEndpointAuthMethod?: string;
  firstParty?: boolean;
  applicationType?: string;
  refreshTokenAbsoluteTtl?: number | null;
  refreshTokenIdleTtl?: number | null;
  dpopBoundAccessTokens?: boolean;
  registeredVia?: string | null;
  jwks?: ClientJwks | null;
  jwksUri?: string | null;
};

/** What PATCH may change; the application type and the secret are not among it. */
export type ClientChanges = Partial<
  Pick<
    NewClient,
    | 'name'
    | 'grantTypes'
    | 'resources'
    | 'scopes'
    | 'introspects'
    | 'redirectUris'
    | 'postLogoutRedirectUris'
    | 'refreshTokenAbsoluteTtl'
    | 'refreshTokenIdleTtl'
    | 'dpopBoundAccessTokens'
  >
> &
  ClientKeyChanges;

/**
 * A move to private_key_jwt, or new keys for it: the keys and the method change together, and the
 * secret goes (a client with keys has none).
 */
export type ClientKeyChanges = {
  keys?: { tokenEndpointAuthMethod: string; jwks: ClientJwks | null; jwksUri: string | null };
};

type ClientRecord = {
  client_id: string;
  name: string;
  secret_hash: string | null;
  grant_types: string[];
  resources: string[];
  scopes: string[];
  introspects: string[];
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  token_endpoint_auth_method: string;
  first_party: boolean;
  created_at: Date;
  updated_at: Date;
  secret_rotated_at: Date | null;
  application_type: string;
  previous_secret_hash: string | null;
  previous_secret_expires_at: Date | null;
  refresh_token_absolute_ttl: number | null;
  refresh_token_idle_ttl: number | null;
  dpop_bound_access_tokens: boolean;
  registered_via: string | null;
  jwks: ClientJwks | null;
  jwks_uri: string | null;
};

const TABLE = 'clients';

const toRow = (record: ClientRecord): ClientRow => ({
  clientId: record.client_id,
  name: record.name,
  secretHash: record.secret_hash,
  grantTypes: record.grant_types,
  resources: record.resources,
  scopes: record.scopes,
  introspects: record.introspects,
  redirectUris: record.redirect_uris,
  postLogoutRedirectUris: record.post_logout_redirect_uris,
  tokenEndpointAuthMethod: record.token_endpoint_auth_method,
  firstParty: record.first_party,
  createdAt: record.created_at,
  updatedAt: record.updated_at,
  secretRotatedAt: record.secret_rotated_at,
  applicationType: record.application_type,
  previousSecretHash: record.previous_secret_hash,
  previousSecretExpiresAt: record.previous_secret_expires_at,
  refreshTokenAbsoluteTtl: record.refresh_token_absolute_ttl,
  refreshTokenIdleTtl: record.refresh_token_idle_ttl,
  dpopBoundAccessTokens: record.dpop_bound_access_tokens,
  registeredVia: record.registered_via ?? null,
  jwks: record.jwks ?? null,
  jwksUri: record.jwks_uri ?? null,
});

const CONFLICTS = {
  clients_pkey: {
    field: 'clientId',
    message: 'A client with this client_id already exists',
  },
};

export const insertClient = async (knex: Knex, input: NewClient): Promise<ClientRow> => {
  try {
    const [record] = await knex<ClientRecord>(TABLE)
      .insert({
        client_id: input.clientId,
        name: input.name,
        secret_hash: input.secretHash,
        grant_types: input.grantTypes,
        resources: input.resources,
        scopes: input.scopes,
        introspects: input.introspects ?? [],
        redirect_uris: input.redirectUris ?? [],
        post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
        token_endpoint_auth_method: input.tokenEndpointAuthMethod ?? 'client_secret_basic',
        first_party: input.firstParty ?? false,
        application_type: input.applicationType ?? 'service',
        refresh_token_absolute_ttl: input.refreshTokenAbsoluteTtl ?? null,
        refresh_token_idle_ttl: input.refreshTokenIdleTtl ?? null,
        dpop_bound_access_tokens: input.dpopBoundAccessTokens ?? false,
        registered_via: input.registeredVia ?? null,
        jwks: input.jwks ?? null,
        jwks_uri: input.jwksUri ?? null,
      })
      .returning('*');
    return toRow(record as ClientRecord);
  } catch (error) {
    return rethrowUniqueViolation(error, CONFLICTS);
  }
};

/**
 * Creates the client or replaces its definition, keeping its creation time: for the clients Tessera
 * defines itself (the console), whose redirect URIs follow the issuer. The secret hash is replaced
 * too, so a first-party public client stays public.
 */
export const upsertClient = async (knex: Knex, input: NewClient): Promise<ClientRow> => {
  const values = {
    client_id: input.clientId,
    name: input.name,
    secret_hash: input.secretHash,
    grant_types: input.grantTypes,
    resources: input.resources,
    scopes: input.scopes,
    introspects: input.introspects ?? [],
    redirect_uris: input.redirectUris ?? [],
    post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
    token_endpoint_auth_method: input.tokenEndpointAuthMethod ?? 'client_secret_basic',
    first_party: input.firstParty ?? false,
    application_type: input.applicationType ?? 'service',
  };
  const { client_id: _id, ...changes } = values;
  const [record] = await knex<ClientRecord>(TABLE)
    .insert(values)
    .onConflict('client_id')
    .merge({ ...changes, updated_at: knex.fn.now() })
    .returning('*');
  return toRow(record as ClientRecord);
};

// A client id Postgres could not store names no client: an unknown client (OAuth's invalid_client),
// not a malformed query. Any caller, authenticated or not, may send one.
export const findClientById = async (knex: Knex, clientId: string): Promise<ClientRow | undefined> => {
  if (!isStorableText(clientId)) return undefined;
  const record = await knex<ClientRecord>(TABLE).where({ client_id: clientId }).first();
  return record ? toRow(record as ClientRecord) : undefined;
};

export const findClientsByIds = async (knex: Knex, clientIds: string[]): Promise<Map<string, ClientRow>> => {
  const storable = clientIds.filter(isStorableText);
  if (storable.length === 0) return new Map();
  const records = await knex<ClientRecord>(TABLE).whereIn('client_id', storable);
  return new Map(records.map((record) => [record.client_id, toRow(record as ClientRecord)]));
};

export const listClients = async (knex: Knex): Promise<ClientRow[]> => {
  const records = await knex<ClientRecord>(TABLE)
    .select('*')
    .orderBy([{ column: 'name' }, { column: 'client_id' }]);
  return (records as ClientRecord[]).map(toRow);
};

/** True when a client was deleted. */
export const deleteClientById = async (knex: Knex, clientId: string): Promise<boolean> => {
  // `returning` rather than the affected-row count: knex-pglite answers a bare delete with the raw
  // result object instead of a number.
  const deleted = await knex<ClientRecord>(TABLE)
    .where({ client_id: clientId })
    .delete()
    .returning('client_id');
  return deleted.length > 0;
};

/**
 * Replaces the secret hash (rotation); undefined when there is no such client. The replaced hash
 * stays valid until `previousExpiresAt` (null: it stops now). One statement, so two rotations at
 * once cannot both keep the same predecessor.
 */
export const updateClientSecretHash = async (
  knex: Knex,
  clientId: string,
  secretHash: string,
  previousExpiresAt: Date | null = null,
): Promise<ClientRow | undefined> => {
  const [record] = await knex<ClientRecord>(TABLE)
    .where({ client_id: clientId })
    .update({
      previous_secret_hash: previousExpiresAt ? knex.ref('secret_hash') : null,
      previous_secret_expires_at: previousExpiresAt,
      secret_hash: secretHash,
      secret_rotated_at: knex.fn.now(),
      updated_at: knex.fn.now(),
    })
    .returning('*');
  return record ? toRow(record as ClientRecord) : undefined;
};

/** Clients that list the API among their resources: what blocks deleting that API. */
export const listClientIdsUsingResource = async (knex: Knex, identifier: string): Promise<string[]> => {
  const records = await knex<ClientRecord>(TABLE)
    .whereRaw('? = any(resources)', [identifier])
    .orderBy('client_id')
    .select('client_id');
  return records.map((record) => record.client_id);
};

/** Changes what `changes` names; undefined when there is no such client. */
export const updateClient = async (
  knex: Knex,
  clientId: string,
  changes: ClientChanges,
): Promise<ClientRow | undefined> => {
  const columns: Partial<ClientRecord> = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.grantTypes !== undefined ? { grant_types: changes.grantTypes } : {}),
    ...(changes.resources !== undefined ? { resources: changes.resources } : {}),
    ...(changes.scopes !== undefined ? { scopes: changes.scopes } : {}),
    ...(changes.introspects !== undefined ? { introspects: changes.introspects } : {}),
    ...(changes.redirectUris !== undefined ? { redirect_uris: changes.redirectUris } : {}),
    ...(changes.postLogoutRedirectUris !== undefined
      ? { post_logout_redirect_uris: changes.postLogoutRedirectUris }
      : {}),
    ...(changes.refreshTokenAbsoluteTtl !== undefined
      ? { refresh_token_absolute_ttl: changes.refreshTokenAbsoluteTtl }
      : {}),
    ...(changes.refreshTokenIdleTtl !== undefined
      ? { refresh_token_idle_ttl: changes.refreshTokenIdleTtl }
      : {}),
    ...(changes.dpopBoundAccessTokens !== undefined
      ? { dpop_bound_access_tokens: changes.dpopBoundAccessTokens }
      : {}),
    ...(changes.keys
      ? {
          token_endpoint_auth_method: changes.keys.tokenEndpointAuthMethod,
          jwks: changes.keys.jwks,
          jwks_uri: changes.keys.jwksUri,
          secret_hash: null,
          previous_secret_hash: null,
          previous_secret_expires_at: null,
        }
      : {}),
  };
  const [record] = await knex<ClientRecord>(TABLE)
    .where({ client_id: clientId })
    .update({ ...columns, updated_at: knex.fn.now() })
    .returning('*');
  return record ? toRow(record as ClientRecord) : undefined;
};
