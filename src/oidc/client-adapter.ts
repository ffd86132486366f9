import { Provider } from 'oidc-provider';
import type { CachedLookup } from '../cache/cached-lookup.ts';
import type { OidcAdapter } from '../storage/oidc-adapter/contract.ts';
import type { Client } from '../domain/clients/client.ts';
import { isMetadataDocumentId } from './configuration/client-id-metadata-documents.ts';
import { PRIVATE_KEY_JWT } from '../domain/clients/client-keys.ts';
import { ABSOLUTE_TTL_METADATA, IDLE_TTL_METADATA } from './configuration/refresh-token-lifetimes.ts';

/**
 * oidc-provider's `Client` model reads clients through this adapter: Tessera's clients table, behind
 * the in-process cache. Clients are managed with the CLI and the management API; through the
 * provider only when dynamic registration is on (`writes`, configuration/client-registration.ts),
 * otherwise every write method refuses.
 *
 * A client with a secret may authenticate with client_secret_basic or client_secret_post. The
 * library accepts only the registered method, so the metadata names the method the current request
 * uses (`Provider.ctx` is the library's documented request context); the library caches one built
 * client per distinct metadata, so this costs nothing after the first request of each style.
 * A client with keys (private_key_jwt, RFC 7523) has no secret and authenticates only with them.
 */
const requestAuthMethod = (): 'client_secret_basic' | 'client_secret_post' => {
  const authorization = Provider.ctx?.get('authorization') ?? '';
  return /^basic /i.test(authorization) ? 'client_secret_basic' : 'client_secret_post';
};

const authMethodOf = (client: Client): string => {
  if (client.tokenEndpointAuthMethod === PRIVATE_KEY_JWT) return PRIVATE_KEY_JWT;
  return client.secretHash ? requestAuthMethod() : 'none';
};

export const clientMetadata = (client: Client) => ({
  client_id: client.clientId,
  client_name: client.name,
  // The HMAC of the secret, never the secret; see provider-internals.ts compareClientSecretsByHash.
  ...(client.secretHash ? { client_secret: client.secretHash } : {}),
  // Native apps may use http loopback and private-use scheme redirect URIs (RFC 8252); every other
  // client's rules are those of the web. Tessera checked the URIs at registration (redirect-uri.ts).
  application_type: client.applicationType === 'native' ? 'native' : 'web',
  grant_types: client.grantTypes,
  response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
  redirect_uris: client.redirectUris,
  post_logout_redirect_uris: client.postLogoutRedirectUris,
  token_endpoint_auth_method: authMethodOf(client),
  // private_key_jwt: the library verifies client assertions against these keys (or fetches them).
  ...(client.jwks ? { jwks: client.jwks } : {}),
  ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
  // Read by the synchronous TTL functions (configuration/refresh-token-lifetimes.ts).
  ...(client.refreshTokenAbsoluteTtl !== null
    ? { [ABSOLUTE_TTL_METADATA]: client.refreshTokenAbsoluteTtl }
    : {}),
  ...(client.refreshTokenIdleTtl !== null ? { [IDLE_TTL_METADATA]: client.refreshTokenIdleTtl } : {}),
  // RFC 9449 §5.2: the library's grants refuse a token request without a DPoP proof.
  ...(client.dpopBoundAccessTokens ? { dpop_bound_access_tokens: true } : {}),
});

const readOnly = async (): Promise<never> => {
  throw new Error('clients are managed by Tessera, not through oidc-provider');
};

export const createClientAdapter = (
  clients: CachedLookup<Client>,
  writes?: Pick<OidcAdapter, 'upsert' | 'destroy'>,
): OidcAdapter => ({
  async find(clientId) {
    // An https client_id is a Client ID Metadata Document's (configuration/client-id-metadata-documents.ts):
    // the library resolves it itself when that feature is on, never from the clients table.
    if (isMetadataDocumentId(clientId)) return undefined;
    const client = await clients.get(clientId);
    return client ? clientMetadata(client) : undefined;
  },
  findByUid: async () => undefined,
  findByUserCode: async () => undefined,
  upsert: writes?.upsert ?? readOnly,
  consume: readOnly,
  destroy: writes?.destroy ?? readOnly,
  revokeByGrantId: readOnly,
});
