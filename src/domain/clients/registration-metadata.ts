import type { ApplicationType, CreateClientInput, GrantType } from './client.ts';

/**
 * What a client that registers itself (RFC 7591) may be, and how its metadata becomes a Tessera
 * client. oidc-provider has already checked the metadata against the protocol; these are Tessera's
 * rules on top: the same application types, grants and redirect URI rules (redirect-uri.ts) as a
 * client an operator creates, and in `open` mode only public clients that sign people in with the
 * authorization code and PKCE — nobody unauthenticated gets a client that holds a secret or mints
 * tokens for itself (client_credentials).
 */
export type RegistrationMode = 'open' | 'initial-access-token';

/** Why a registration is refused, as RFC 7591 §3.2.2 names it. */
export type RegistrationRefusal = {
  error: 'invalid_redirect_uri' | 'invalid_client_metadata';
  description: string;
};

export class RegistrationRefused extends Error {
  readonly refusal: RegistrationRefusal;
  constructor(refusal: RegistrationRefusal) {
    super(refusal.description);
    this.name = 'RegistrationRefused';
    this.refusal = refusal;
  }
}

const refuse = (description: string): never => {
  throw new RegistrationRefused({ error: 'invalid_client_metadata', description });
};

const PUBLIC_GRANTS = new Set<string>(['authorization_code', 'refresh_token']);
const CONFIDENTIAL_GRANTS = new Set<string>([...PUBLIC_GRANTS, 'client_credentials']);
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);
/** Scope values of OpenID Connect itself, not of an API: they name no API scope. */
const PROTOCOL_SCOPES = new Set(['openid', 'offline_access']);

/** The metadata members Tessera reads; the library keeps the rest of RFC 7591's. */
export type RegistrationMetadata = {
  client_name?: unknown;
  token_endpoint_auth_method?: unknown;
  grant_types?: unknown;
  redirect_uris?: unknown;
  post_logout_redirect_uris?: unknown;
  application_type?: unknown;
  scope?: unknown;
  /** RFC 9449 §5.2; the library has checked it is a boolean. */
  dpop_bound_access_tokens?: unknown;
};

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** The client the metadata describes; `scopes` undefined: every scope of the allowed APIs. */
export type RegisteredClientInput = Omit<CreateClientInput, 'scopes'> & {
  scopes: string[] | undefined;
  confidential: boolean;
};

export const registrationInput = (
  metadata: RegistrationMetadata,
  policy: { mode: RegistrationMode; resources: readonly string[] },
): RegisteredClientInput => {
  const method =
    typeof metadata.token_endpoint_auth_method === 'string'
      ? metadata.token_endpoint_auth_method
      : 'client_secret_basic';
  const confidential = SECRET_METHODS.has(method);
  if (!confidential && method !== 'none')
    refuse(`token_endpoint_auth_method ${method} is not supported for registered clients`);
  if (confidential && policy.mode === 'open')
    refuse(
      'open registration accepts only public clients: token_endpoint_auth_method must be none (the authorization code with PKCE protects them)',
    );

  const grants = metadata.grant_types === undefined ? ['authorization_code'] : strings(metadata.grant_types);
  const allowed = confidential ? CONFIDENTIAL_GRANTS : PUBLIC_GRANTS;
  const refused = grants.filter((grant) => !allowed.has(grant));
  if (refused.length > 0)
    refuse(
      `grant_types ${refused.join(', ')} not allowed for a ${confidential ? 'confidential' : 'public'} registered client (allowed: ${[...allowed].join(', ')})`,
    );

  const type: ApplicationType = confidential
    ? grants.includes('authorization_code')
      ? 'web'
      : 'service'
    : metadata.application_type === 'native'
      ? 'native'
      : 'spa';

  let scopes: string[] | undefined;
  if (typeof metadata.scope === 'string' && metadata.scope.trim() !== '')
    scopes = metadata.scope.split(' ').filter((scope) => scope !== '' && !PROTOCOL_SCOPES.has(scope));

  return {
    name:
      typeof metadata.client_name === 'string' && metadata.client_name.trim() !== ''
        ? metadata.client_name
        : 'Registered client',
    type,
    grantTypes: grants as GrantType[],
    resources: [...policy.resources],
    scopes,
    redirectUris: strings(metadata.redirect_uris),
    postLogoutRedirectUris: strings(metadata.post_logout_redirect_uris),
    dpopBoundAccessTokens: metadata.dpop_bound_access_tokens === true,
    confidential,
  };
};

/**
 * An RFC 7591 error for a problem Tessera's client rules found: a redirect URI's (redirect_uris)
 * is `invalid_redirect_uri`, anything else's `invalid_client_metadata`. `field` is the domain's
 * (`redirectUris.0`).
 */
export const refusalOf = (field: string | undefined, description: string): RegistrationRefusal => ({
  error: field?.startsWith('redirectUris') ? 'invalid_redirect_uri' : 'invalid_client_metadata',
  description,
});
