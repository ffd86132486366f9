import type { JSONWebKeySet } from 'jose';
import { errors, type KoaContextWithOIDC, type Provider } from 'oidc-provider';
import { randomToken } from '../../crypto/random.ts';
import type {
  AccessTokenResolver,
  ResolvedAccessToken,
} from '../../domain/access-tokens/access-token-resolver.ts';
import type { ApiResource } from '../../domain/api-resources/api-resource.ts';
import type { CachedLookup } from '../../cache/cached-lookup.ts';
import type { Client } from '../../domain/clients/client.ts';
import { accessTokenSignerFor } from '../access-token-signer.ts';
import { dpopBinding, tokenTypeFor } from './dpop-binding.ts';

/**
 * RFC 8693 token exchange: a client registered for this grant trades a personal or resource access
 * token (long-lived, opaque, introspected) for a JWT access token (RFC 9068) for one of its APIs,
 * which that API validates offline. The JWT speaks for the PAT's owner or the RAT's bot, never for
 * the client, and carries no more than the subject token may do right now:
 *
 * - scope ⊆ the token's effective scopes (its scopes ∩ what its subject's roles allow today) ∩ the
 *   API's scopes. The exchanging client's own `--scopes` govern its client_credentials tokens, not
 *   this: it relays someone else's authority, limited to its `--resources`.
 * - lifetime ≤ min(the API's TTL, 15 minutes, what is left of the subject token), because an
 *   offline validator cannot see a revocation: a revoked PAT stops yielding JWTs at once, and the
 *   JWTs it yielded die within 15 minutes.
 * - always a JWT, even for an API whose format is `opaque`: the point of the exchange is offline
 *   validation, and the short lifetime bounds what an opaque token would have bought.
 * - `token_id`, `token_kind` and, for a RAT, `resource` and `role`, so `@tessera/verify` builds the
 *   same principal from the JWT as from introspecting the PAT or RAT itself.
 *
 * Every reason a subject token is refused (malformed, bad checksum, unknown, expired, revoked, its
 * owner disabled, its bot's membership removed) is the same `invalid_grant`, so the answer is no
 * oracle for which of them it was.
 */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ISSUABLE_TOKEN_TYPES = [ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE];

/** RFC 8693 §2.1 parameters. The actor ones are registered only to be refused, not silently dropped. */
export const TOKEN_EXCHANGE_PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'resource',
  'audience',
  'scope',
];
export const TOKEN_EXCHANGE_DUPLICATES = ['resource', 'audience'];

/** The longest an exchanged JWT lives, whatever the API's TTL. */
export const MAX_EXCHANGED_TOKEN_SECONDS = 900;

type Deps = {
  issuer: string;
  /** The provider's private JWKS: the exchanged JWT is signed as its own tokens are. */
  jwks: JSONWebKeySet;
  clients: CachedLookup<Client>;
  apiResources: CachedLookup<ApiResource>;
  accessTokens: AccessTokenResolver;
};

const values = (value: unknown): string[] =>
  value === undefined ? [] : [value].flat().filter((item): item is string => typeof item === 'string');

const required = (params: Record<string, unknown>, name: string): string => {
  const value = params[name];
  if (typeof value !== 'string' || value === '')
    throw new errors.InvalidRequest(`missing required parameter '${name}'`);
  return value;
};

const refusedSubjectToken = () => {
  const error = new errors.InvalidGrant();
  error.error_description = 'subject_token is invalid, expired or revoked';
  return error;
};

/**
 * The scopes of the exchanged token: all the subject token may use at this API, or the requested
 * ones when they are all among those. Exported for its unit tests.
 */
export const exchangedScopes = (
  requested: string | undefined,
  effective: readonly string[],
  apiScopes: readonly string[],
): string[] => {
  const available = effective.filter((scope) => apiScopes.includes(scope));
  const scopes = requested === undefined ? available : [...new Set(requested.split(' ').filter(Boolean))];
  const denied = scopes.filter((scope) => !available.includes(scope));
  if (denied.length > 0)
    throw new errors.InvalidScope(
      `requested scope is beyond what the subject token may do at this resource: ${denied.join(' ')}`,
      denied.join(' '),
    );
  if (scopes.length === 0)
    throw new errors.InvalidScope('the subject token may do nothing at this resource', '');
  return scopes;
};

/** The claims of the JWT: RFC 9068's, plus what @tessera/verify needs to rebuild the principal. */
export const exchangedClaims = (input: {
  issuer: string;
  clientId: string;
  audience: string;
  resolved: ResolvedAccessToken;
  scopes: readonly string[];
  iat: number;
  exp: number;
  jti: string;
}) => {
  const { entry, role } = input.resolved;
  return {
    iss: input.issuer,
    sub: entry.sub,
    aud: input.audience,
    client_id: input.clientId,
    scope: input.scopes.join(' '),
    iat: input.iat,
    exp: input.exp,
    jti: input.jti,
    token_id: entry.id,
    token_kind: entry.kind,
    ...(entry.kind === 'resource' && entry.res ? { resource: entry.res } : {}),
    ...(entry.kind === 'resource' && role ? { role } : {}),
  };
};

export const createTokenExchangeGrant = (provider: Provider, deps: Deps) => {
  const signer = accessTokenSignerFor(deps.jwks);
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const client = ctx.oidc.client;
    const registered = client && (await deps.clients.get(client.clientId));
    if (!client || !registered) throw new errors.InvalidClient('client authentication failed');
    const jkt = await dpopBinding(provider, ctx, registered);
    const params = (ctx.oidc.params ?? {}) as Record<string, unknown>;

    const subjectToken = required(params, 'subject_token');
    // RFC 8693 §2.2.2: a subject token type the server does not support is invalid_request.
    if (required(params, 'subject_token_type') !== ACCESS_TOKEN_TYPE)
      throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
    if (params.actor_token !== undefined || params.actor_token_type !== undefined)
      throw new errors.InvalidRequest('actor_token is not supported: Tessera exchanges without delegation');
    const requestedType = params.requested_token_type;
    if (requestedType !== undefined && !ISSUABLE_TOKEN_TYPES.includes(requestedType as string))
      throw new errors.InvalidRequest(`requested_token_type must be ${ISSUABLE_TOKEN_TYPES.join(' or ')}`);

    // RFC 8693 names the target by `resource` (a URI) or `audience` (a name); an API's identifier is both.
    const targets = [...new Set([...values(params.resource), ...values(params.audience)])];
    if (targets.length > 1) throw new errors.InvalidTarget('only one resource may be requested');
    const identifier = targets[0] ?? registered.resources[0];
    if (identifier === undefined)
      throw new errors.InvalidTarget('no resource requested and the client has no API resource');
    const api = registered.resources.includes(identifier)
      ? await deps.apiResources.get(identifier)
      : undefined;
    if (!api) throw new errors.InvalidTarget('resource is unknown or not allowed for this client');

    const resolved = await deps.accessTokens.resolve(subjectToken, { ip: ctx.ip });
    if (!resolved) throw refusedSubjectToken();
    // A PAT restricted to some APIs cannot become a token for another.
    if (resolved.entry.aud.length > 0 && !resolved.entry.aud.includes(identifier))
      throw new errors.InvalidTarget('the subject token is not valid for this resource');

    const scopes = exchangedScopes(params.scope as string | undefined, resolved.effectiveScopes, api.scopes);
    const iat = Math.floor(Date.now() / 1000);
    const lifetime = Math.min(api.accessTokenTtl, MAX_EXCHANGED_TOKEN_SECONDS);
    const exp = Math.min(iat + lifetime, resolved.entry.exp ?? Infinity);
    const claims = exchangedClaims({
      issuer: deps.issuer,
      clientId: client.clientId,
      audience: identifier,
      resolved,
      scopes,
      iat,
      exp,
      jti: randomToken(16),
    });
    // RFC 9449 §6.1: a bound token names its key, as the library's JWTs do.
    const accessToken = signer.sign(api.signingAlg, jkt ? { ...claims, cnf: { jkt } } : claims);

    ctx.body = {
      access_token: accessToken,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: tokenTypeFor(jkt),
      expires_in: exp - iat,
      scope: claims.scope,
    };
  };
};
