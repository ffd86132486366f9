import { MANAGEMENT_API } from '../../domain/api-resources/management-api.ts';
import { MANAGEMENT_SCOPES } from '../../domain/permissions/policy.ts';
import type { CachedLookup } from '../../cache/cached-lookup.ts';
import type { Client } from '../../domain/clients/client.ts';

/**
 * Who may learn about a token (introspection, RFC 7662 §4) and who may revoke it (RFC 7009 §2.1).
 * Stricter than the library's defaults: a token is only discussed with the client it was issued to
 * or with a resource server registered (`--introspects`) for one of its audiences, and a token
 * whose client has been deleted is dead.
 */
const audiences = (aud: unknown): string[] =>
  typeof aud === 'string'
    ? [aud]
    : Array.isArray(aud)
      ? aud.filter((value) => typeof value === 'string')
      : [];

export const createTokenPolicies = (clients: CachedLookup<Client>) => ({
  async mayIntrospect(callerId: string, token: { clientId?: string; aud?: unknown }): Promise<boolean> {
    if (!token.clientId) return false;
    const [caller, issuedTo] = await Promise.all([clients.get(callerId), clients.get(token.clientId)]);
    if (!caller || !issuedTo) return false;
    if (token.clientId === callerId) return true;
    return audiences(token.aud).some((audience) => caller.introspects.includes(audience));
  },

  mayRevoke: (callerId: string, token: { clientId?: string }): boolean => token.clientId === callerId,
});

export type TokenPolicies = ReturnType<typeof createTokenPolicies>;

/** What a resource server may be told of a PAT or RAT: the audiences and the scopes meant for it. */
export type AccessTokenView = { audience: readonly string[]; scopes: readonly string[] };

const MANAGEMENT = new Set<string>(MANAGEMENT_SCOPES);

/**
 * What a resource server that represents `callerApis` may learn of a PAT or RAT, or undefined
 * when the token is none of its business (introspection then answers `active: false`). The one
 * rule the library path and the fast lane share (personal-token-introspection.ts):
 * - audience: a token restricted to audiences is shown only to their resource servers, each told
 *   only the audiences it represents; an unrestricted token is valid for every API, so its
 *   audience is the caller's.
 * - scopes: the resource scopes (the platform's catalogue, which every API reads) and, only for
 *   the management API, the management scopes (`tokens:write`, `admin`, …): an API learns nothing
 *   of what the token may do to Tessera itself.
 * - a token with no scope meant for this resource server is not shown to it at all.
 */
export const accessTokenViewFor = (
  tokenAud: readonly string[],
  effectiveScopes: readonly string[],
  callerApis: readonly string[],
): AccessTokenView | undefined => {
  const audience = tokenAud.length === 0 ? callerApis : tokenAud.filter((api) => callerApis.includes(api));
  if (audience.length === 0) return undefined;
  const scopes = audience.includes(MANAGEMENT_API)
    ? effectiveScopes
    : effectiveScopes.filter((scope) => !MANAGEMENT.has(scope));
  return scopes.length > 0 ? { audience, scopes } : undefined;
};
