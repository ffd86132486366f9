import type { KoaContextWithOIDC } from 'oidc-provider';
import type { CachedLookup } from '../../cache/cached-lookup.ts';
import { type Client, DEFAULT_REFRESH_TOKEN_TTL } from '../../domain/clients/client.ts';

/**
 * Refresh-token lifetimes per client (`refreshTokenAbsoluteTtl`, `refreshTokenIdleTtl`). A refresh
 * token is replaced on every use (rotation, end-user-flows.ts), so its own TTL is the idle
 * lifetime; the absolute one counts from the first token of the family (`iiat`, the library's
 * "initial issued at", carried through every rotation) and no replacement outlives it.
 */
type RefreshTokenLike = { iiat?: number };

export const absoluteLifetime = (client: Client | undefined): number =>
  client?.refreshTokenAbsoluteTtl ?? DEFAULT_REFRESH_TOKEN_TTL;

export const refreshTokenTtl = (client: Client | undefined, token: RefreshTokenLike, nowSeconds: number): number => {
  const absolute = absoluteLifetime(client);
  const started = token.iiat ?? nowSeconds;
  const remaining = absolute - (nowSeconds - started);
  const idle = client?.refreshTokenIdleTtl ?? absolute;
  // At least a second: a zero or negative TTL would mean "no expiry" to a store.
  return Math.max(1, Math.min(idle, remaining));
};

export const refreshTokenTtls = (clients: CachedLookup<Client>) => ({
  RefreshToken: async (_ctx: KoaContextWithOIDC, token: RefreshTokenLike, client: { clientId: string }) =>
    refreshTokenTtl(await clients.get(client.clientId), token, Math.floor(Date.now() / 1000)),
  // The grant (the sign-in the refresh tokens hang on) lasts as long as the family may.
  Grant: async (_ctx: KoaContextWithOIDC, _grant: unknown, client: { clientId: string }) =>
    absoluteLifetime(await clients.get(client.clientId)),
});
