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

/**
 * What a resource server that represents `callerApis` may learn of a PAT's or RAT's audience, or
 * undefined when the token is none of its business: a token restricted to audiences is shown only
 * to their resource servers, with all of them; an unrestricted one is valid for every API, so its
 * audience is the caller's.
 */
export const accessTokenAudienceFor = (
  tokenAud: readonly string[],
  callerApis: readonly string[],
): readonly string[] | undefined => {
  if (tokenAud.length === 0) return callerApis.length > 0 ? callerApis : undefined;
  return tokenAud.some((api) => callerApis.includes(api)) ? tokenAud : undefined;
};
