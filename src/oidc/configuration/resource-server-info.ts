import type { ApiResource } from '../../domain/api-resources/api-resource.ts';

/** How oidc-provider should mint tokens for one API: its format, lifetime, scopes and signing algorithm. */
export const resourceServerInfo = (api: ApiResource, allowedScopes: readonly string[]) => ({
  scope: allowedScopes.join(' '),
  audience: api.identifier,
  accessTokenTTL: api.accessTokenTtl,
  accessTokenFormat: api.format,
  ...(api.format === 'jwt' ? { jwt: { sign: { alg: api.signingAlg } } } : {}),
});

/** A client may ask an API for the scopes it was granted that the API defines. */
export const allowedScopesFor = (clientScopes: readonly string[], api: ApiResource): string[] =>
  api.scopes.filter((scope) => clientScopes.includes(scope));
