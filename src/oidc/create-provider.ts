import type { JSONWebKeySet } from 'jose';
import { type Configuration, errors, type KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { PepperHash } from '../crypto/pepper-hash.ts';
import type { ApiResource } from '../domain/api-resources/api-resource.ts';
import type { CachedLookup } from '../cache/cached-lookup.ts';
import type { OidcAdapterFactory } from '../storage/oidc-adapter/contract.ts';
import type { AccessTokenResolver } from '../domain/access-tokens/access-token-resolver.ts';
import { createPersonalTokenIntrospection } from './middleware/personal-token-introspection.ts';
import type { Client } from '../domain/clients/client.ts';
import { createClientAdapter } from './client-adapter.ts';
import { allowedScopesFor, resourceServerInfo } from './configuration/resource-server-info.ts';
import { createTokenPolicies } from './configuration/token-policies.ts';
import {
  type Accounts,
  endUserFlows,
  type ProviderPages,
  rpInitiatedLogout,
} from './configuration/end-user-flows.ts';
import { CLIENT_CREDENTIALS_PARAMETERS, createClientCredentialsGrant } from './grants/client-credentials.ts';
import {
  createTokenExchangeGrant,
  TOKEN_EXCHANGE_DUPLICATES,
  TOKEN_EXCHANGE_GRANT,
  TOKEN_EXCHANGE_PARAMETERS,
} from './grants/token-exchange.ts';
import type { JwtAccessTokens } from './jwt-access-tokens.ts';
import { createOpaqueTokenRevocation, type RevocableToken } from './opaque-token-revocation.ts';
import type { RevocationService } from '../domain/revocations/revocation-service.ts';
import { clientCredentialsIntrospection } from './middleware/client-credentials-introspection.ts';
import { createJwtIntrospectionAndRevocation } from './middleware/jwt-introspection-and-revocation.ts';
import { countIntrospections, type RecordIntrospection } from './middleware/introspection-outcomes.ts';
import { unknownRoute } from './middleware/unknown-route.ts';
import { createTruthfulDiscovery } from './middleware/truthful-discovery.ts';
import { answerMissingDpopProofs } from './missing-dpop-proof-answer.ts';
import { dpopFeature } from './configuration/dpop.ts';
import { rfcErrorCorrections } from './middleware/rfc-error-corrections.ts';
import { noteStoreFailure, oauthErrorBoundary } from './oauth-error-response.ts';
import { compareClientSecretsByHash } from './provider-internals.ts';
import { REFRESH_TOKEN_METADATA, refreshTokenTtls } from './configuration/refresh-token-lifetimes.ts';
import { matchesClientSecret } from '../domain/clients/client-secret.ts';
import { createTokenModelAdapters, TOKEN_MODELS } from './token-models-adapter.ts';
import {
  type ClientRegistrationDeps,
  createRegisteredClientWrites,
  createRegistrationModels,
  registrationFeatures,
} from './configuration/client-registration.ts';
import { registrationReadSecret } from './middleware/registration-read-secret.ts';
import { createRegistrationBody } from './middleware/registration-body.ts';
import type { MetadataDocumentClients } from './configuration/client-id-metadata-documents.ts';
import { outboundFetchConfiguration } from './configuration/outbound-fetch.ts';
import { CLIENT_ASSERTION_ALGS } from '../domain/clients/client-keys.ts';

export type OidcDeps = {
  issuer: string;
  cookieKeys: string[];
  /** Whether DPoP proofs must carry a server nonce (configuration/dpop.ts); default true. */
  dpopRequireNonce?: boolean;
  /** Private JWKS, each algorithm's current signer first. */
  jwks: JSONWebKeySet;
  /** Verifies Tessera's own JWT access tokens at introspection and revocation. */
  jwtAccessTokens: JwtAccessTokens;
  adapterFactory: OidcAdapterFactory;
  clients: CachedLookup<Client>;
  apiResources: CachedLookup<ApiResource>;
  /** Every scope the API resources define, for discovery's scopes_supported. */
  apiScopes?: () => Promise<string[]>;
  secretHash: PepperHash;
  /** Personal and resource access tokens, for introspection. */
  accessTokens: AccessTokenResolver;
  trustProxy: boolean;
  /** Where revocations are recorded (Postgres) and checked (memory). */
  revocations: RevocationService;
  /** The token store's key of an id, as revocations name opaque tokens. */
  tokenStoreKey: (id: string) => string;
  /** People who sign in (`findAccount`). */
  accounts: Accounts;
  /** The sign-out pages, in Tessera's look. */
  pages: ProviderPages;
  onServerError: (error: unknown, ctx: KoaContextWithOIDC) => void;
  /** Hears the outcome of every introspection the library's route answers (metrics). */
  onIntrospection?: RecordIntrospection;
  /** Dynamic client registration (RFC 7591/7592); absent: off. */
  registration?: ClientRegistrationDeps;
  /** Client ID Metadata Documents (https URLs as client_id); absent: off. */
  clientIdMetadataDocuments?: MetadataDocumentClients;
  /** Hosts the provider's own fetches may reach whatever they resolve to (outbound-fetch.ts). */
  outboundAllowHosts?: readonly string[];
  /** Limits registrations per address (middleware/registration-rate-limit.ts). */
  registrationRateLimit?: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;
};

const SIGNING_ALGS = ['ES256', 'RS256', 'EdDSA'] as const;
const OIDC_SCOPES = ['openid'];

export const createProvider = (deps: OidcDeps): Provider => {
  const clientAdapter = createClientAdapter(
    deps.clients,
    deps.registration && createRegisteredClientWrites(deps.registration, deps.clients),
  );
  // oidc-provider instantiates its adapter with `new Adapter(modelName)`.
  const tokenModel = createTokenModelAdapters(deps.adapterFactory);
  const registrationModel = deps.registration ? createRegistrationModels(deps.registration) : () => undefined;
  function Adapter(this: unknown, name: string) {
    if (name === 'Client') return clientAdapter;
    return registrationModel(name) ?? (TOKEN_MODELS.has(name) ? tokenModel(name) : deps.adapterFactory(name));
  }
  const policies = createTokenPolicies(deps.clients);
  const { jwtAccessTokens } = deps;
  const recordRevocation = createOpaqueTokenRevocation(deps);

  const accessTokenTtl = (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
    token.resourceServer?.accessTokenTTL ?? 600;

  const configuration: Configuration = {
    adapter: Adapter as unknown as Configuration['adapter'],
    clients: [],
    jwks: deps.jwks as Configuration['jwks'],
    cookies: { keys: deps.cookieKeys },
    // private_key_jwt (RFC 7523): clients registered with keys (domain/clients/client-keys.ts).
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    extraClientMetadata: { properties: REFRESH_TOKEN_METADATA },
    responseTypes: ['code'],
    // Refresh tokens follow the client's registration (the refresh_token grant), not offline_access.
    scopes: OIDC_SCOPES,
    enabledJWA: {
      idTokenSigningAlgValues: SIGNING_ALGS,
      userinfoSigningAlgValues: SIGNING_ALGS,
      introspectionSigningAlgValues: SIGNING_ALGS,
      authorizationSigningAlgValues: SIGNING_ALGS,
      clientAuthSigningAlgValues: CLIENT_ASSERTION_ALGS,
      requestObjectSigningAlgValues: SIGNING_ALGS,
    },
    features: {
      devInteractions: { enabled: false },
      // Tokens are issued for an API (RFC 8707 `resource`, the client's first API by default), and
      // the library's userinfo answers only tokens for itself: discovery must not offer it.
      userinfo: { enabled: false },
      // RFC 9449: every grant, Tessera's own included (grants/dpop-binding.ts), binds to the proof key.
      dPoP: dpopFeature({ cookieKeys: deps.cookieKeys, requireNonce: deps.dpopRequireNonce ?? true }),
      rpInitiatedLogout: rpInitiatedLogout(deps.pages),
      clientCredentials: { enabled: true },
      ...registrationFeatures(deps.registration?.policy ?? { mode: 'off', resources: [] }),
      clientIdMetadataDocument: deps.clientIdMetadataDocuments?.feature ?? { enabled: false },
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => policies.mayIntrospect(client.clientId, token),
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) => {
          if (!policies.mayRevoke(client.clientId, token)) {
            throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
          }
          // Durable and audited before the library deletes the token from Redis.
          await recordRevocation(ctx, client.clientId, token as unknown as RevocableToken);
          return true;
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx) => {
          const registered = ctx.oidc.client && (await deps.clients.get(ctx.oidc.client.clientId));
          return registered?.resources[0];
        },
        getResourceServerInfo: async (_ctx, identifier, client) => {
          const registered = await deps.clients.get(client.clientId);
          const api = registered?.resources.includes(identifier)
            ? await deps.apiResources.get(identifier)
            : undefined;
          if (!registered || !api)
            throw new errors.InvalidTarget('resource is unknown or not allowed for this client');
          return resourceServerInfo(api, allowedScopesFor(registered.scopes, api));
        },
        useGrantedResource: () => true,
      },
    },
    pkce: { required: () => true },
    // Metadata documents, jwks_uri, sector_identifier_uri: fetched only through the SSRF guard.
    ...outboundFetchConfiguration({
      allowHosts: deps.outboundAllowHosts ?? [],
      ...(deps.clientIdMetadataDocuments ? { inspect: deps.clientIdMetadataDocuments.inspectDocument } : {}),
    }),
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      ...(refreshTokenTtls as unknown as Pick<NonNullable<Configuration['ttl']>, 'Grant' | 'RefreshToken'>),
    },
    ...endUserFlows({ accounts: deps.accounts, clients: deps.clients }),
    renderError: async (ctx, out) => {
      // A person in a browser gets a page; a program keeps the JSON of RFC 6749.
      if (ctx.accepts('json', 'html') === 'html') return deps.pages.error(ctx, out);
      ctx.type = 'json';
      ctx.body = out;
    },
  };

  const provider = new Provider(deps.issuer, configuration);
  provider.proxy = deps.trustProxy;
  compareClientSecretsByHash(provider, async (clientId, actual) => {
    const client = await deps.clients.get(clientId);
    return client !== undefined && matchesClientSecret(client, actual, deps.secretHash);
  });
  provider.registerGrantType(
    'client_credentials',
    createClientCredentialsGrant(provider, deps),
    CLIENT_CREDENTIALS_PARAMETERS,
    ['resource'],
  );
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    createTokenExchangeGrant(provider, deps),
    TOKEN_EXCHANGE_PARAMETERS,
    TOKEN_EXCHANGE_DUPLICATES,
  );
  if (deps.onIntrospection) provider.use(countIntrospections(deps.onIntrospection));
  provider.use(oauthErrorBoundary<KoaContextWithOIDC>(deps.onServerError));
  provider.use(unknownRoute);
  provider.use(rfcErrorCorrections);
  answerMissingDpopProofs(provider);
  if (deps.registrationRateLimit) provider.use(deps.registrationRateLimit);
  if (deps.registration) provider.use(createRegistrationBody());
  provider.use(registrationReadSecret);
  provider.use(
    createTruthfulDiscovery({ apiScopes: deps.apiScopes ?? (async () => []), oidcScopes: OIDC_SCOPES }),
  );
  provider.use(clientCredentialsIntrospection);
  provider.use(createJwtIntrospectionAndRevocation({ jwtAccessTokens, policies }));
  provider.use(createPersonalTokenIntrospection({ accessTokens: deps.accessTokens, clients: deps.clients }));
  // A store outage is answered as a 503 by oauthErrorBoundary, and said once in the connection
  // state log: not a server error, not a log line per request.
  provider.on('server_error', (ctx, error) => {
    if (!noteStoreFailure(ctx, error)) deps.onServerError(error, ctx);
  });
  return provider;
};
