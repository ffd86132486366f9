import { DEFAULT_REFRESH_TOKEN_TTL } from '../../domain/clients/client.ts';

/**
 * Refresh-token lifetimes per client (`refreshTokenAbsoluteTtl`, `refreshTokenIdleTtl`). A refresh
 * token is replaced on every use (rotation, end-user-flows.ts), so its own TTL is the idle
 * lifetime; the absolute one counts from the first token of the family (`iiat`, the library's
 * "initial issued at", carried through every rotation) and no replacement outlives it.
 *
 * The library wants its TTL functions synchronous, so the lifetimes travel in the client's
 * metadata (client-adapter.ts) as extra members, rather than being looked up here.
 */
export const ABSOLUTE_TTL_METADATA = 'tessera_refresh_token_absolute_ttl';
export const IDLE_TTL_METADATA = 'tessera_refresh_token_idle_ttl';
export const REFRESH_TOKEN_METADATA = [ABSOLUTE_TTL_METADATA, IDLE_TTL_METADATA];

type Lifetimes = { absolute: number | null; idle: number | null };
type RefreshTokenLike = { iiat?: number };

/** The library keeps extra metadata under its own name; read it as a number or nothing. */
const lifetimesOf = (client: unknown): Lifetimes => {
  const value = (name: string) => {
    const found = (client as Record<string, unknown> | undefined)?.[name];
    return typeof found === 'number' ? found : null;
  };
  return { absolute: value(ABSOLUTE_TTL_METADATA), idle: value(IDLE_TTL_METADATA) };
};

export const refreshTokenTtl = (
  lifetimes: Lifetimes,
  token: RefreshTokenLike,
  nowSeconds: number,
): number => {
  const absolute = lifetimes.absolute ?? DEFAULT_REFRESH_TOKEN_TTL;
  const started = token.iiat ?? nowSeconds;
  const remaining = absolute - (nowSeconds - started);
  const idle = lifetimes.idle ?? absolute;
  // At least a second: a zero or negative TTL would mean "no expiry" to a store.
  return Math.max(1, Math.min(idle, remaining));
};

export const refreshTokenTtls = {
  RefreshToken: function refreshToken(_ctx: unknown, token: RefreshTokenLike, client: unknown) {
    return refreshTokenTtl(lifetimesOf(client), token, Math.floor(Date.now() / 1000));
  },
  // The grant (the sign-in the refresh tokens hang on) lasts as long as the family may.
  Grant: function grant(_ctx: unknown, _grant: unknown, client: unknown) {
    return lifetimesOf(client).absolute ?? DEFAULT_REFRESH_TOKEN_TTL;
  },
};
