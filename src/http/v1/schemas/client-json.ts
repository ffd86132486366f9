import { z } from 'zod';
import {
  APPLICATION_TYPES,
  type ClientView,
  type CreateClientInput,
  GRANT_TYPES,
  MAX_REFRESH_TOKEN_TTL,
  MAX_SECRET_OVERLAP_SECONDS,
  type RegisteredClient,
  type UpdateClientInput,
} from '../../../domain/clients/client.ts';
import { CLIENT_AUTH_METHODS, type ClientKeysInput } from '../../../domain/clients/client-keys.ts';
import { displayNameSchema, scopeSchema } from './identifiers.ts';
import { timestampSchema, toOptionalTimestamp, toTimestamp } from './timestamp.ts';

/**
 * OAuth clients as the API reads and writes them: snake_case members named after the domain's
 * fields, so a problem the domain finds (`redirectUris.1`) points at the member the caller wrote
 * (`/redirect_uris/1`). The shapes are checked here; what they mean (a redirect URI an application
 * of that type may use, an API that exists…) is the domain's to decide (clients/client.ts).
 */

export const clientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a client id')
  .describe('A client id, `cl_…` (or a built-in client such as `tessera-console`).');

const uriList = (what: string) => z.array(z.string().max(2000)).max(50).describe(what);
const ttlSeconds = (what: string) =>
  z
    .number()
    .int()
    .min(60)
    .max(MAX_REFRESH_TOKEN_TTL)
    .nullable()
    .describe(`${what} In seconds; null: the default.`);

const writableMembers = {
  name: displayNameSchema.describe('A display name, shown on the consent page: 1–100 characters.'),
  grant_types: z
    .array(z.enum(GRANT_TYPES))
    .min(1)
    .describe(
      'authorization_code and refresh_token for an application (web, spa, native); client_credentials and token exchange for a service or a web app.',
    ),
  redirect_uris: uriList(
    'Where the browser returns with a code: https, no fragment; a native app may also use http://127.0.0.1 (any port) or a private-use scheme (com.example.app:/cb).',
  ),
  post_logout_redirect_uris: uriList('Where the browser may return after sign-out; the same rules.'),
  resources: z
    .array(z.string().max(2000))
    .max(50)
    .describe('API identifiers (RFC 8707) the client may get tokens for; the first is its default audience.'),
  scopes: z.array(scopeSchema).max(200).describe('Scopes it may request, each defined by one of its APIs.'),
  introspects: z
    .array(z.string().max(2000))
    .max(50)
    .describe('API identifiers whose tokens it may introspect (a resource server of its own).'),
  refresh_token_absolute_ttl: ttlSeconds(
    'How long refresh tokens (and the sign-in behind them) live at most.',
  ),
  refresh_token_idle_ttl: ttlSeconds('How long an unused refresh token lives.'),
  dpop_bound_access_tokens: z
    .boolean()
    .describe(
      'RFC 9449 §5.2: every token request must carry a DPoP proof, so every token the client gets is bound to its key.',
    ),
  token_endpoint_auth_method: z
    .enum(CLIENT_AUTH_METHODS)
    .describe(
      '`client_secret_basic` (the default for `service` and `web`): a secret, shown once. `private_key_jwt` (RFC 7523): no secret; the client signs a JWT assertion with its private key, checked against `jwks` or `jwks_uri`. A change to `private_key_jwt` ends the secret.',
    ),
  jwks: z
    .object({ keys: z.array(z.record(z.string(), z.unknown())).max(10) })
    .meta({ id: 'PublicJwks' })
    .describe(
      "private_key_jwt: the client's public JSON Web Key Set (RSA, EC or OKP signing keys). A key carrying private members (`d`, `p`, …) or a symmetric key is refused. Not with `jwks_uri`.",
    ),
  jwks_uri: z
    .string()
    .max(2048)
    .describe(
      'private_key_jwt: the https URL the client serves its public JWKS at, fetched under the same rules as webhooks (public addresses only). Not with `jwks`.',
    ),
};

export const createClientBodySchema = z
  .strictObject({
    ...writableMembers,
    type: z
      .enum(APPLICATION_TYPES)
      .default('service')
      .describe(
        '`service`: gets tokens for itself; `web`: signs people in and keeps a secret; `spa`, `native`: sign people in without a secret (public, PKCE).',
      ),
    grant_types: writableMembers.grant_types,
    redirect_uris: writableMembers.redirect_uris.optional(),
    post_logout_redirect_uris: writableMembers.post_logout_redirect_uris.optional(),
    resources: writableMembers.resources.optional(),
    scopes: writableMembers.scopes.optional(),
    introspects: writableMembers.introspects.optional(),
    refresh_token_absolute_ttl: writableMembers.refresh_token_absolute_ttl.optional(),
    refresh_token_idle_ttl: writableMembers.refresh_token_idle_ttl.optional(),
    dpop_bound_access_tokens: writableMembers.dpop_bound_access_tokens.default(false),
    token_endpoint_auth_method: writableMembers.token_endpoint_auth_method.optional(),
    jwks: writableMembers.jwks.optional(),
    jwks_uri: writableMembers.jwks_uri.optional(),
  })
  .meta({ id: 'ClientCreate' });

export const updateClientBodySchema = z
  .strictObject({
    name: writableMembers.name.optional(),
    grant_types: writableMembers.grant_types.optional(),
    redirect_uris: writableMembers.redirect_uris.optional(),
    post_logout_redirect_uris: writableMembers.post_logout_redirect_uris.optional(),
    resources: writableMembers.resources.optional(),
    scopes: writableMembers.scopes.optional(),
    introspects: writableMembers.introspects.optional(),
    refresh_token_absolute_ttl: writableMembers.refresh_token_absolute_ttl.optional(),
    refresh_token_idle_ttl: writableMembers.refresh_token_idle_ttl.optional(),
    dpop_bound_access_tokens: writableMembers.dpop_bound_access_tokens.optional(),
    token_endpoint_auth_method: writableMembers.token_endpoint_auth_method.optional(),
    jwks: writableMembers.jwks.optional(),
    jwks_uri: writableMembers.jwks_uri.optional(),
  })
  .meta({
    id: 'ClientUpdate',
    description: 'The members to change; the others keep their value. The type cannot change.',
  });

export const rotateSecretBodySchema = z
  .strictObject({
    keep_old_for_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_SECRET_OVERLAP_SECONDS)
      .default(0)
      .describe(
        'How long the replaced secret keeps working, so clients can move to the new one without downtime. 0: it stops now.',
      ),
  })
  .meta({ id: 'ClientSecretRotation' });

export const clientSchema = z
  .object({
    client_id: z.string(),
    name: z.string(),
    type: z.enum(APPLICATION_TYPES),
    token_endpoint_auth_method: z
      .string()
      .describe(
        '`client_secret_basic` (or `_post`) for a client with a secret; `private_key_jwt` for a client with keys; `none` for a public client.',
      ),
    grant_types: z.array(z.string()),
    redirect_uris: z.array(z.string()),
    post_logout_redirect_uris: z.array(z.string()),
    resources: z.array(z.string()),
    scopes: z.array(z.string()),
    introspects: z.array(z.string()),
    refresh_token_absolute_ttl: z.number().int().nullable(),
    refresh_token_idle_ttl: z.number().int().nullable(),
    dpop_bound_access_tokens: z.boolean().describe('Whether every token request must carry a DPoP proof.'),
    jwks: z
      .object({ keys: z.array(z.record(z.string(), z.unknown())) })
      .nullable()
      .describe('private_key_jwt: the public keys registered inline; null otherwise.'),
    jwks_uri: z
      .string()
      .nullable()
      .describe('private_key_jwt: where the client serves its keys; null otherwise.'),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    secret_rotated_at: timestampSchema.nullable(),
    previous_secret_expires_at: timestampSchema
      .nullable()
      .describe('Until when the secret replaced by the last rotation still works; null when it does not.'),
    registered_via: z
      .string()
      .nullable()
      .describe(
        'null: created by an administrator. `open` or `initial_access_token:<rit id>`: the client registered itself (RFC 7591).',
      ),
  })
  .meta({ id: 'Client', description: 'An OAuth client. Its secret is never part of it.' });

export const issuedClientSchema = clientSchema
  .extend({
    client_secret: z
      .string()
      .nullable()
      .describe(
        'The secret, shown this once; Tessera keeps only a hash. null for a public client or one with keys (private_key_jwt).',
      ),
  })
  .meta({
    id: 'IssuedClient',
    description: 'A client with its new secret: only create and rotate answer with it.',
  });

export const presentClient = (view: ClientView): z.input<typeof clientSchema> => ({
  client_id: view.clientId,
  name: view.name,
  type: view.applicationType as (typeof APPLICATION_TYPES)[number],
  token_endpoint_auth_method: view.tokenEndpointAuthMethod,
  grant_types: view.grantTypes,
  redirect_uris: view.redirectUris,
  post_logout_redirect_uris: view.postLogoutRedirectUris,
  resources: view.resources,
  scopes: view.scopes,
  introspects: view.introspects,
  refresh_token_absolute_ttl: view.refreshTokenAbsoluteTtl,
  refresh_token_idle_ttl: view.refreshTokenIdleTtl,
  dpop_bound_access_tokens: view.dpopBoundAccessTokens,
  jwks: view.jwks,
  jwks_uri: view.jwksUri,
  created_at: toTimestamp(view.createdAt),
  updated_at: toTimestamp(view.updatedAt),
  secret_rotated_at: toOptionalTimestamp(view.secretRotatedAt),
  previous_secret_expires_at: toOptionalTimestamp(view.previousSecretExpiresAt),
  registered_via: view.registeredVia,
});

export const presentIssuedClient = (issued: RegisteredClient): z.input<typeof issuedClientSchema> => ({
  ...presentClient(issued.client),
  client_secret: issued.clientSecret,
});

export const toCreateClientInput = (
  body: z.output<typeof createClientBodySchema>,
): CreateClientInput & ClientKeysInput => ({
  tokenEndpointAuthMethod: body.token_endpoint_auth_method,
  jwks: body.jwks,
  jwksUri: body.jwks_uri,
  name: body.name,
  type: body.type,
  grantTypes: body.grant_types,
  redirectUris: body.redirect_uris,
  postLogoutRedirectUris: body.post_logout_redirect_uris,
  resources: body.resources,
  scopes: body.scopes,
  introspects: body.introspects,
  refreshTokenAbsoluteTtl: body.refresh_token_absolute_ttl,
  refreshTokenIdleTtl: body.refresh_token_idle_ttl,
  dpopBoundAccessTokens: body.dpop_bound_access_tokens,
});

export const toUpdateClientInput = (
  body: z.output<typeof updateClientBodySchema>,
): UpdateClientInput & ClientKeysInput => ({
  tokenEndpointAuthMethod: body.token_endpoint_auth_method,
  jwks: body.jwks,
  jwksUri: body.jwks_uri,
  name: body.name,
  grantTypes: body.grant_types,
  redirectUris: body.redirect_uris,
  postLogoutRedirectUris: body.post_logout_redirect_uris,
  resources: body.resources,
  scopes: body.scopes,
  introspects: body.introspects,
  refreshTokenAbsoluteTtl: body.refresh_token_absolute_ttl,
  refreshTokenIdleTtl: body.refresh_token_idle_ttl,
  dpopBoundAccessTokens: body.dpop_bound_access_tokens,
});
