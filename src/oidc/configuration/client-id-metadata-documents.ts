import { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { CachedLookup } from '../../cache/cached-lookup.ts';
import type { ApiResource } from '../../domain/api-resources/api-resource.ts';
import type { Client } from '../../domain/clients/client.ts';
import { redirectUriProblem } from '../../domain/clients/redirect-uri.ts';
import { FETCH_BODY_LIMITS } from './outbound-fetch.ts';

/**
 * OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, as MCP uses
 * them): a client_id that is an https URL names a JSON document there that is the client's
 * registration. oidc-provider fetches, checks and caches the document
 * (`features.clientIdMetadataDocument`); the fetch itself goes through outbound-fetch.ts (https,
 * public addresses only, 5 KiB, 2.5 s). Tessera adds its own rules on top, at every use:
 *
 * - Such a client is public (token_endpoint_auth_method `none`), signs people in with the code and
 *   PKCE (authorization_code, refresh_token) and its redirect URIs pass the rules every
 *   application's do (redirect-uri.ts); otherwise it is refused (`invalid_client`).
 * - It may get tokens for the APIs a registered client may (TESSERA_REGISTRATION_RESOURCES), with
 *   the scopes its document's `scope` names among theirs (all of them without one).
 *
 * The library checks a document's `scope` against its static scope list (`openid`), but the
 * scopes a client asks for are those of Tessera's APIs: `inspectDocument` takes the member out of a
 * document as it is fetched, and the record keeps it.
 *
 * Tessera's own lookups of a client (which APIs it may use, whether it is first-party) read the
 * clients table; for these clients they read the records kept here, made from the document when
 * the library last let the client through, and forgotten after a while (bounded in number).
 */
export type MetadataDocumentPolicy = {
  enabled: boolean;
  /** API identifiers such a client may get tokens for. */
  resources: readonly string[];
  apiResources: CachedLookup<ApiResource>;
  now?: () => number;
};

const PUBLIC_GRANTS = new Set(['authorization_code', 'refresh_token']);
const RECORD_TTL_MS = 3_600_000;
const MAX_RECORDS = 10_000;

/** A client_id the library would resolve through a metadata document (its own test is stricter). */
export const isMetadataDocumentId = (clientId: string): boolean => /^https:\/\//i.test(clientId);

type LibraryClient = {
  clientId: string;
  clientName?: string;
  applicationType?: string;
  grantTypes?: string[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  tokenEndpointAuthMethod?: string;
  scope?: string;
};

/** Why Tessera refuses the client its document describes; undefined when it may be used. */
export const metadataDocumentProblem = (client: LibraryClient): string | undefined => {
  if (client.tokenEndpointAuthMethod !== 'none') return 'token_endpoint_auth_method must be none';
  const grants = client.grantTypes ?? [];
  const refused = grants.filter((grant) => !PUBLIC_GRANTS.has(grant));
  if (refused.length > 0)
    return `grant_types ${refused.join(', ')} not allowed (authorization_code, refresh_token)`;
  const owner = client.applicationType === 'native' ? 'native' : 'spa';
  for (const uri of [...(client.redirectUris ?? []), ...(client.postLogoutRedirectUris ?? [])]) {
    const why = redirectUriProblem(uri, owner);
    if (why) return `redirect URI ${JSON.stringify(uri)} ${why}`;
  }
  return undefined;
};

export type MetadataDocumentClients = {
  /** For the provider's fetch (outbound-fetch.ts `inspect`): takes `scope` out of a document. */
  inspectDocument(url: URL, response: Response): Promise<Response>;
  feature: NonNullable<NonNullable<Configuration['features']>['clientIdMetadataDocument']>;
  /** `clients`, answering for metadata-document clients too. */
  lookup(clients: CachedLookup<Client>): CachedLookup<Client>;
};

export const createMetadataDocumentClients = (policy: MetadataDocumentPolicy): MetadataDocumentClients => {
  const now = policy.now ?? Date.now;
  const records = new Map<string, { client: Client; expiresAt: number }>();
  /** URLs the library is about to fetch as documents (allowFetch), and the `scope` each asked for. */
  const pending = new Set<string>();
  const scopes = new Map<string, string>();

  const remember = (client: Client) => {
    records.delete(client.clientId);
    if (records.size >= MAX_RECORDS) records.delete(records.keys().next().value as string);
    records.set(client.clientId, { client, expiresAt: now() + RECORD_TTL_MS });
  };

  const recordOf = async (client: LibraryClient): Promise<Client> => {
    const apis = (await Promise.all(policy.resources.map((id) => policy.apiResources.get(id)))).filter(
      (api): api is ApiResource => api !== undefined,
    );
    const defined = apis.flatMap((api) => api.scopes);
    const asked = scopes.get(new URL(client.clientId).href)?.split(' ').filter(Boolean);
    const at = new Date(now());
    return {
      clientId: client.clientId,
      name: client.clientName ?? new URL(client.clientId).host,
      secretHash: null,
      grantTypes: client.grantTypes ?? ['authorization_code'],
      resources: apis.map((api) => api.identifier),
      scopes: asked ? defined.filter((scope) => asked.includes(scope)) : defined,
      introspects: [],
      redirectUris: client.redirectUris ?? [],
      postLogoutRedirectUris: client.postLogoutRedirectUris ?? [],
      tokenEndpointAuthMethod: 'none',
      firstParty: false,
      // RFC 9449 §5.2, as the document says (the library has checked it).
      dpopBoundAccessTokens: (client as { dpopBoundAccessTokens?: unknown }).dpopBoundAccessTokens === true,
      createdAt: at,
      updatedAt: at,
      secretRotatedAt: null,
      applicationType: client.applicationType === 'native' ? 'native' : 'spa',
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      refreshTokenAbsoluteTtl: null,
      refreshTokenIdleTtl: null,
      registeredVia: 'client_id_metadata_document',
      jwks: null,
      jwksUri: null,
    };
  };

  const inspectDocument = async (url: URL, response: Response): Promise<Response> => {
    if (!pending.delete(url.href) || response.status !== 200) return response;
    // The library bounds the body by its Content-Length and as it reads; read here within the
    // same bound, and hand on anything larger unread for the library to refuse.
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > FETCH_BODY_LIMITS['client_id metadata document']) return response;
    const text = await response.text();
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    let body = text;
    if (text.length <= FETCH_BODY_LIMITS['client_id metadata document']) {
      try {
        const document = JSON.parse(text) as unknown;
        if (
          typeof document === 'object' &&
          document !== null &&
          !Array.isArray(document) &&
          'scope' in document
        ) {
          const { scope, ...rest } = document as Record<string, unknown>;
          if (typeof scope === 'string' && scopes.size < MAX_RECORDS) scopes.set(url.href, scope);
          body = JSON.stringify(rest);
        }
      } catch {
        // Not JSON: the library says so.
      }
    }
    return new Response(body, { status: response.status, headers });
  };

  return {
    inspectDocument,
    feature: {
      enabled: policy.enabled,
      // The draft the library implements, acknowledged: a new draft must be looked at before it is on.
      ack: 'draft-02',
      allowFetch: async (_ctx: KoaContextWithOIDC, clientId: string) => {
        if (pending.size < MAX_RECORDS) pending.add(new URL(clientId).href);
        return true;
      },
      allowClient: async (_ctx: KoaContextWithOIDC, client) => {
        const problem = metadataDocumentProblem(client as unknown as LibraryClient);
        if (problem) throw new errors.InvalidClient(`client metadata document refused: ${problem}`);
        remember(await recordOf(client as unknown as LibraryClient));
        return true;
      },
      // Documents say how long they may be cached; at least a minute, at most an hour.
      cacheDuration: { min: 60, max: 3600 },
    },
    lookup: (clients) => ({
      async get(clientId) {
        if (!isMetadataDocumentId(clientId)) return clients.get(clientId);
        const record = records.get(clientId);
        if (!record || record.expiresAt <= now()) return undefined;
        return record.client;
      },
      invalidate: (clientId) => {
        records.delete(clientId);
        clients.invalidate(clientId);
      },
    }),
  };
};
