import type { KoaContextWithOIDC } from 'oidc-provider';
import { CLIENT_ASSERTION_ALGS, PRIVATE_KEY_JWT } from '../../domain/clients/client-keys.ts';

/**
 * The discovery document (OpenID Discovery and RFC 8414, one document) as it is, not as the
 * library's static configuration sees it: `scopes_supported` lists the scopes Tessera's API
 * resources define (they live in the database, so the configuration cannot know them) next to
 * `openid`; the introspection and revocation endpoints say how their callers authenticate (RFC 8414
 * §2 — a client without credentials cannot introspect or revoke, so `none` is not among them; a
 * client with keys can, with the same assertions and algorithms as at the token endpoint).
 *
 * The API scopes are read at most every SCOPES_TTL_MS: discovery is public and unauthenticated,
 * and must not be a way to make the database work on demand.
 */
const SCOPES_TTL_MS = 10_000;
export const CALLER_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', PRIVATE_KEY_JWT];

export const createTruthfulDiscovery = (deps: {
  apiScopes: () => Promise<string[]>;
  oidcScopes: string[];
}) => {
  let cached: { scopes: string[]; at: number } | undefined;
  const scopes = async (): Promise<string[]> => {
    if (!cached || Date.now() - cached.at > SCOPES_TTL_MS) {
      const apiScopes = await deps.apiScopes();
      cached = { scopes: [...new Set([...deps.oidcScopes, ...apiScopes.toSorted()])], at: Date.now() };
    }
    return cached.scopes;
  };

  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.oidc?.route !== 'discovery' || ctx.status !== 200 || typeof ctx.body !== 'object' || !ctx.body)
      return;
    const body = ctx.body as Record<string, unknown>;
    body.scopes_supported = await scopes();
    for (const endpoint of ['introspection', 'revocation']) {
      if (!body[`${endpoint}_endpoint`]) continue;
      body[`${endpoint}_endpoint_auth_methods_supported`] = CALLER_AUTH_METHODS;
      body[`${endpoint}_endpoint_auth_signing_alg_values_supported`] = [...CLIENT_ASSERTION_ALGS];
    }
  };
};
