import type { KoaContextWithOIDC } from 'oidc-provider';
import { AppError } from '../../errors.ts';
import { sendOAuthError } from '../oauth-error-response.ts';

export const DPOP_NOT_SUPPORTED = 'DPoP is not supported by this server';

/**
 * Tessera does not bind tokens to DPoP keys yet (the provider's dPoP feature is off, and discovery
 * does not advertise it). RFC 9449 lets such a server ignore the header, but a client that sent a
 * proof would then hold a Bearer token it believes is bound: every token request carrying a `DPoP`
 * header is refused instead, whichever grant it is. The fast lane hands such requests to the
 * provider (fast-lane/form-post.ts), so this is the one place that decides.
 */
export const refuseDpop = async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
  if (ctx.path === '/token' && ctx.headers.dpop !== undefined) {
    sendOAuthError(ctx, new AppError('invalid_input', DPOP_NOT_SUPPORTED));
    return;
  }
  await next();
};
