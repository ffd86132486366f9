import { z } from 'zod';
import { displayName, resourceIndicator, scopeTokens } from '../api-resources/api-resource.ts';
import { type RedirectUriOwner, redirectUriProblem } from './redirect-uri.ts';

/**
 * Grant types a client registered through Tessera may use. Token exchange (RFC 8693) turns a
 * personal or resource access token into a short-lived JWT for one of the client's APIs; the
 * authorization code (with PKCE) and refresh token grants sign people in to applications.
 */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  TOKEN_EXCHANGE,
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];
const RESOURCE_GRANTS: readonly string[] = ['client_credentials', TOKEN_EXCHANGE];
/** Grants that need client authentication: a public client has nothing to authenticate with. */
const CONFIDENTIAL_GRANTS: readonly string[] = ['client_credentials', TOKEN_EXCHANGE];

/**
 * What kind of software the client is. `service`: a backend that gets tokens for itself
 * (client_credentials, token exchange). `web`: an application with a server, which keeps a secret
 * (confidential). `spa` and `native`: code on people's devices, which cannot keep one — public
 * clients (token_endpoint_auth_method none) that PKCE protects.
 */
export const APPLICATION_TYPES = ['service', 'web', 'spa', 'native'] as const;
export type ApplicationType = (typeof APPLICATION_TYPES)[number];
export const isPublicType = (type: string): boolean => type === 'spa' || type === 'native';

/** Refresh tokens live at most a year; absent, the server's default (14 days) applies. */
export const MAX_REFRESH_TOKEN_TTL = 365 * 86_400;
export const DEFAULT_REFRESH_TOKEN_TTL = 14 * 86_400;
/** How long a rotated secret may keep working: long enough to roll out a new one, no longer. */
export const MAX_SECRET_OVERLAP_SECONDS = 30 * 86_400;

/**
 * An OAuth client, as the token endpoint, introspection and the console's sign-in read it. The
 * secret is never part of it: only its keyed hash (see client-secret.ts), which client
 * authentication compares a presented secret against; a public client (the console) has none.
 */
export type Client = {
  clientId: string;
  name: string;
  secretHash: string | null;
  grantTypes: string[];
  /** API identifiers the client may get tokens for; the first is its default audience. */
  resources: string[];
  scopes: string[];
  /** API identifiers whose tokens this client may introspect (a resource server's own client). */
  introspects: string[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  tokenEndpointAuthMethod: string;
  /** Tessera's own clients (the console): consent is implied. */
  firstParty: boolean;
  createdAt: Date;
  updatedAt: Date;
  secretRotatedAt: Date | null;
  applicationType: string;
  /** The secret before the last rotation (its hash), accepted until previousSecretExpiresAt. */
  previousSecretHash: string | null;
  previousSecretExpiresAt: Date | null;
  /** Seconds a refresh token (and its grant) lives at most from sign-in; null: the default. */
  refreshTokenAbsoluteTtl: number | null;
  /** Seconds a refresh token lives unused; null: as long as the absolute lifetime. */
  refreshTokenIdleTtl: number | null;
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`: every token request must carry a DPoP proof. */
  dpopBoundAccessTokens: boolean;
  /**
   * How the client came to be: null when an operator created it; `open` or
   * `initial_access_token:<rit id>` when it registered itself (RFC 7591, client-registration.ts).
   */
  registeredVia: string | null;
  /** private_key_jwt: the client's public keys, registered inline (client-keys.ts); else null. */
  jwks: { keys: Record<string, unknown>[] } | null;
  /** private_key_jwt: the https URL the client serves its public keys at; else null. */
  jwksUri: string | null;
};

/** A client as operators see it (CLI, control socket): not even the secret's hash leaves the domain. */
export type ClientView = Pick<
  Client,
  | 'clientId'
  | 'name'
  | 'grantTypes'
  | 'resources'
  | 'scopes'
  | 'introspects'
  | 'createdAt'
  | 'updatedAt'
  | 'secretRotatedAt'
  | 'applicationType'
  | 'redirectUris'
  | 'postLogoutRedirectUris'
  | 'tokenEndpointAuthMethod'
  | 'previousSecretExpiresAt'
  | 'refreshTokenAbsoluteTtl'
  | 'refreshTokenIdleTtl'
  | 'dpopBoundAccessTokens'
  | 'registeredVia'
  | 'jwks'
  | 'jwksUri'
>;

/** What `clients create` and `clients rotate-secret` return: the only time the secret is shown. */
export type ClientWithSecret = { clientId: string; clientSecret: string; client: ClientView };

/** What `clients create` returns: a public client (spa, native) has no secret. */
export type RegisteredClient = { clientId: string; clientSecret: string | null; client: ClientView };

const uniqueList = <T extends z.ZodType<string>>(item: T) =>
  z.array(item).transform((values) => [...new Set(values)]);

const ttl = z
  .number()
  .int('must be a whole number of seconds')
  .min(60, 'must be at least 60 seconds')
  .max(MAX_REFRESH_TOKEN_TTL, `must be at most ${MAX_REFRESH_TOKEN_TTL} seconds (a year)`);

/** The client's fields, each checked alone; clientRules checks them together. */
const clientFields = z.object({
  name: displayName,
  type: z
    .enum(APPLICATION_TYPES, { message: `must be one of: ${APPLICATION_TYPES.join(', ')}` })
    .default('service'),
  grantTypes: z
    .array(z.enum(GRANT_TYPES, { message: `must be one of: ${GRANT_TYPES.join(', ')}` }))
    .min(1, 'must name at least one grant type')
    .transform((values) => [...new Set(values)]),
  resources: uniqueList(resourceIndicator).default([]),
  scopes: scopeTokens.transform((values) => [...new Set(values)]).default([]),
  introspects: uniqueList(resourceIndicator).default([]),
  redirectUris: uniqueList(z.string()).default([]),
  postLogoutRedirectUris: uniqueList(z.string()).default([]),
  refreshTokenAbsoluteTtl: ttl.nullable().default(null),
  refreshTokenIdleTtl: ttl.nullable().default(null),
  dpopBoundAccessTokens: z.boolean().default(false),
});

type ClientFields = z.output<typeof clientFields>;

/** The rules that tie the fields together: what each application type may be registered with. */
const clientRules = (input: ClientFields, ctx: z.RefinementCtx): void => {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const grants = new Set<string>(input.grantTypes);
  // These grants mint tokens for the client's APIs only: without one, every request would fail.
  if (input.resources.length === 0 && input.grantTypes.some((grant) => RESOURCE_GRANTS.includes(grant)))
    problem(
      'resources',
      'must name at least one API resource for the client_credentials and token exchange grants',
    );
  if (grants.has('refresh_token') && !grants.has('authorization_code'))
    problem(
      'grantTypes',
      'refresh_token needs authorization_code: refresh tokens are issued only at sign-in',
    );
  if (input.type === 'service') {
    if (grants.has('authorization_code'))
      problem(
        'grantTypes',
        'authorization_code signs people in to an application: register it with type web, spa or native',
      );
    if (input.redirectUris.length > 0) problem('redirectUris', 'a service has no redirect URIs');
  } else {
    if (!grants.has('authorization_code'))
      problem(
        'grantTypes',
        `an application of type ${input.type} signs people in: it needs authorization_code`,
      );
    if (input.redirectUris.length === 0) problem('redirectUris', 'must name at least one redirect URI');
    for (const field of ['redirectUris', 'postLogoutRedirectUris'] as const)
      input[field].forEach((uri, index) => {
        const why = redirectUriProblem(uri, input.type as RedirectUriOwner);
        if (why)
          ctx.addIssue({ code: 'custom', path: [field, index], message: `${JSON.stringify(uri)} ${why}` });
      });
  }
  if (isPublicType(input.type)) {
    const confidential = input.grantTypes.filter((grant) => CONFIDENTIAL_GRANTS.includes(grant));
    if (confidential.length > 0)
      problem(
        'grantTypes',
        `a public client (${input.type}) has no secret, so it cannot use ${confidential.join(', ')}`,
      );
    if (input.introspects.length > 0)
      problem('introspects', `a public client (${input.type}) cannot introspect`);
  }
  if (!grants.has('refresh_token')) {
    if (input.refreshTokenAbsoluteTtl !== null)
      problem('refreshTokenAbsoluteTtl', 'needs the refresh_token grant');
    if (input.refreshTokenIdleTtl !== null) problem('refreshTokenIdleTtl', 'needs the refresh_token grant');
  }
  const absolute = input.refreshTokenAbsoluteTtl ?? DEFAULT_REFRESH_TOKEN_TTL;
  if (input.refreshTokenIdleTtl !== null && input.refreshTokenIdleTtl > absolute)
    problem('refreshTokenIdleTtl', `must not exceed the absolute lifetime (${absolute} seconds)`);
};

export const createClientInput = clientFields.superRefine(clientRules);
export type CreateClientInput = z.input<typeof createClientInput>;

/** A change to a client: any field but its type (a confidential client does not become public). */
export const updateClientInput = clientFields
  .omit({ type: true })
  .extend({
    grantTypes: clientFields.shape.grantTypes.optional(),
    resources: uniqueList(resourceIndicator).optional(),
    scopes: scopeTokens.transform((values) => [...new Set(values)]).optional(),
    introspects: uniqueList(resourceIndicator).optional(),
    redirectUris: uniqueList(z.string()).optional(),
    postLogoutRedirectUris: uniqueList(z.string()).optional(),
    refreshTokenAbsoluteTtl: ttl.nullable().optional(),
    refreshTokenIdleTtl: ttl.nullable().optional(),
    dpopBoundAccessTokens: z.boolean().optional(),
    name: displayName.optional(),
  })
  .strict();
export type UpdateClientInput = z.input<typeof updateClientInput>;

export const rotateSecretInput = z.object({
  keepOldForSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(0, 'must not be negative')
    .max(MAX_SECRET_OVERLAP_SECONDS, `must be at most ${MAX_SECRET_OVERLAP_SECONDS} seconds (30 days)`)
    .default(0),
});
export type RotateSecretInput = z.input<typeof rotateSecretInput>;
