import type { JSONWebKeySet } from 'jose';
import { errors, type KoaContextWithOIDC, type Provider } from 'oidc-provider';
import { pooledRandomToken } from '../../crypto/random.ts';
import type { ApiResource } from '../../domain/api-resources/api-resource.ts';
import type { CachedLookup } from '../../cache/cached-lookup.ts';
import type { Client } from '../../domain/clients/client.ts';
import { allowedScopesFor, resourceServerInfo } from '../configuration/resource-server-info.ts';
import { accessTokenSignerFor } from '../access-token-signer.ts';
import { newClientCredentials } from '../provider-internals.ts';
import { dpopBinding, tokenTypeFor } from './dpop-binding.ts';

/**
 * Tessera's client_credentials grant, registered in place of the library's. It keeps the RFC
 * promises the library's version relaxes: exactly one audience (RFC 8707), the client's first API
 * when `resource` is absent, an `invalid_scope` error — not a silently narrowed token — for a scope
 * the client may not have, and all of the client's scopes for that API when `scope` is absent
 * (RFC 6749 §3.3, a pre-defined default).
 */
export const CLIENT_CREDENTIALS_PARAMETERS = ['scope', 'resource'];

/** RFC 6749 §3.3 scope syntax, as the library checks it before a grant runs (lib/helpers/is_valid_scope.js). */
const SCOPE_SYNTAX = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/u;

export type ClientCredentialsDeps = {
  clients: CachedLookup<Client>;
  apiResources: CachedLookup<ApiResource>;
  /** The provider's private JWKS: JWT access tokens are signed with its current keys. */
  jwks: JSONWebKeySet;
};

export type ClientCredentialsRequest = {
  resource?: string | string[];
  scope?: string;
  /** The thumbprint of the verified DPoP proof's key (dpop-binding.ts): the token is bound to it. */
  jkt?: string;
};

export type TokenResponse = {
  access_token: string;
  expires_in: number;
  token_type: 'Bearer' | 'DPoP';
  scope?: string;
};

/**
 * Issues the token for an authenticated client: the grant below and the fast lane
 * (src/oidc/fast-lane/) both come here, so they cannot disagree. Throws the library's OAuth errors.
 * The token model is given the client's id only (see provider-internals.ts).
 */
export const issueClientCredentialsToken = async (
  provider: Provider,
  deps: ClientCredentialsDeps,
  registered: Client,
  request: ClientCredentialsRequest,
) => {
  if (request.scope !== undefined && !SCOPE_SYNTAX.test(request.scope)) {
    throw new errors.InvalidScope('scope contains invalid characters', request.scope);
  }
  const resources = request.resource === undefined ? [] : [request.resource].flat();
  if (resources.length > 1) {
    throw new errors.InvalidTarget('only one resource may be requested with client_credentials');
  }
  const identifier = resources[0] ?? registered.resources[0];
  if (identifier === undefined) {
    throw new errors.InvalidTarget('no resource requested and the client has no API resource');
  }
  const api = registered.resources.includes(identifier) ? await deps.apiResources.get(identifier) : undefined;
  if (!api) throw new errors.InvalidTarget('resource is unknown or not allowed for this client');

  const allowed = allowedScopesFor(registered.scopes, api);
  const scopes =
    request.scope === undefined ? allowed : [...new Set(request.scope.split(' ').filter(Boolean))];
  const denied = scopes.filter((scope) => !allowed.includes(scope));
  if (denied.length > 0) {
    throw new errors.InvalidScope(`requested scope is not allowed: ${denied.join(' ')}`, denied.join(' '));
  }

  const token = newClientCredentials(provider, registered.clientId, scopes.join(' ') || undefined);
  token.resourceServer = new provider.ResourceServer(identifier, resourceServerInfo(api, allowed));
  // Kept in the stored payload of an opaque token (introspection's cnf.jkt), signed into a JWT's.
  if (request.jkt) token.setThumbprint('jkt', request.jkt);
  const accessToken = api.format === 'jwt' ? signJwt(provider, deps.jwks, token, api) : await token.save();
  const body: TokenResponse = {
    access_token: accessToken,
    expires_in: token.expiration,
    token_type: tokenTypeFor(token.jkt),
    ...(token.scope ? { scope: token.scope } : {}),
  };
  return { token, body };
};

type ClientCredentialsToken = ReturnType<typeof newClientCredentials>;

/**
 * The JWT the library's `token.save()` makes for a client_credentials token (lib/models/formats/
 * jwt.js: no stored payload, the `issued` event), the same claims in the same order, signed
 * synchronously with node:crypto (access-token-signer.ts) rather than by jose on the threadpool:
 * issue 16 measured the library's path at 0.98× the bare library per core. Tessera configures
 * neither `extraTokenClaims` nor a JWT customizer, and a client_credentials token has no subject
 * other than its client. test/unit/oidc/client-credentials-jwt.test.ts compares both outputs.
 */
const signJwt = (
  provider: Provider,
  jwks: JSONWebKeySet,
  token: ClientCredentialsToken,
  api: ApiResource,
): string => {
  const iat = Math.floor(Date.now() / 1000);
  // 43 characters of the URL-safe alphabet, as the library's jti (nanoid of 256 bits).
  const jti = pooledRandomToken();
  Object.assign(token, { jti, iat, exp: iat + token.expiration, format: 'jwt' });
  const value = accessTokenSignerFor(jwks).sign(api.signingAlg, {
    jti,
    sub: token.clientId,
    iat,
    exp: token.exp,
    scope: token.scope || undefined,
    client_id: token.clientId,
    iss: provider.issuer,
    aud: token.aud,
    // RFC 9449 §6.1, where the library's JWT format puts it (lib/models/formats/jwt.js).
    ...(token.jkt ? { cnf: { jkt: token.jkt } } : {}),
  });
  // The event the library's save() emits; its name is worked out per call, so only when listened to.
  if (provider.listenerCount('client_credentials.issued') > 0) token.emit('issued');
  return value;
};

export const createClientCredentialsGrant =
  (provider: Provider, deps: ClientCredentialsDeps) =>
  async (ctx: KoaContextWithOIDC): Promise<void> => {
    const client = ctx.oidc.client;
    const registered = client && (await deps.clients.get(client.clientId));
    if (!client || !registered) throw new errors.InvalidClient('client authentication failed');
    const jkt = await dpopBinding(provider, ctx, registered);

    const { token, body } = await issueClientCredentialsToken(provider, deps, registered, {
      resource: ctx.oidc.params?.resource as string | string[] | undefined,
      scope: ctx.oidc.params?.scope as string | undefined,
      ...(jkt ? { jkt } : {}),
    });
    ctx.oidc.entity('ClientCredentials', token);
    ctx.body = body;
  };
