import type { AccessTokenResolver } from '../domain/access-tokens/access-token-resolver.ts';
import type { Actor, RequestMeta } from '../domain/actors.ts';
import { MANAGEMENT_API } from '../domain/api-resources/management-api.ts';
import type { CachedLookup } from '../cache/cached-lookup.ts';
import type { Permissions } from '../domain/permissions/subject-permissions.ts';
import type { JwtAccessTokens } from '../oidc/jwt-access-tokens.ts';
import type { Client } from '../domain/clients/client.ts';
import { looksLikeTesseraToken } from '@tessera/verify/token-format';

/**
 * Who is calling the management API. Accepted bearers: a PAT or RAT whose audience allows the
 * management API, or a JWT access token Tessera issued for it — to a client (client_credentials)
 * or for a user (the console). A user's scopes are always capped by what the user holds today.
 */
export type BearerAuthenticator = (bearer: string, meta: RequestMeta) => Promise<Actor | undefined>;

const fromSeconds = (value: number | null | undefined) => (value ? new Date(value * 1000) : null);

export const createBearerAuthenticator = (deps: {
  jwtAccessTokens: () => JwtAccessTokens;
  accessTokens: AccessTokenResolver;
  permissions: Permissions;
  clients: CachedLookup<Client>;
}): BearerAuthenticator => {
  const { permissions } = deps;
  return async (bearer, meta) => {
    if (looksLikeTesseraToken(bearer)) {
      const resolved = await deps.accessTokens.resolve(bearer, { ip: meta.ip ?? null });
      if (!resolved) return undefined;
      if (resolved.entry.aud.length > 0 && !resolved.entry.aud.includes(MANAGEMENT_API)) return undefined;
      const credential = {
        type: resolved.entry.kind,
        tokenId: resolved.entry.id,
        scopes: resolved.effectiveScopes,
        expiresAt: fromSeconds(resolved.entry.exp),
      };
      return {
        kind: resolved.subject.subject.kind === 'bot' ? 'bot' : 'user',
        id: resolved.entry.sub,
        credential,
        meta,
      };
    }

    const jwts = deps.jwtAccessTokens();
    const claims = await jwts.verify(bearer);
    if (!claims || (await jwts.isRevoked(claims))) return undefined;
    // A DPoP-bound token (RFC 9449) is worth nothing without a proof by its key, and the management
    // API takes Bearer tokens only: presented as one, it is someone else's copy (§7.2), refused.
    if (claims.cnf?.jkt !== undefined) return undefined;
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(MANAGEMENT_API)) return undefined;
    const scopes = (claims.scope ?? '').split(' ').filter(Boolean);
    const base = {
      type: 'jwt' as const,
      tokenId: claims.jti,
      clientId: claims.client_id,
      expiresAt: fromSeconds(claims.exp),
    };

    if (claims.sub === claims.client_id) {
      if (!(await deps.clients.get(claims.client_id))) return undefined;
      return { kind: 'client', id: claims.client_id, credential: { ...base, scopes }, meta };
    }
    const subject = await permissions.of(claims.sub as string);
    if (!permissions.isActive(subject) || subject.subject.kind !== 'user') return undefined;
    const held = permissions.holdings(subject);
    return {
      kind: 'user',
      id: subject.subject.id,
      credential: { ...base, scopes: scopes.filter((s) => held.has(s)) },
      meta,
    };
  };
};
