import type { KoaContextWithOIDC } from 'oidc-provider';
import { notFound } from '../../errors.ts';
import { sendOAuthError } from '../oauth-error-response.ts';

/**
 * Everything no other part of Tessera serves reaches the provider last; where the library has no
 * route either (an unknown path, or a method an endpoint does not take, such as POST /session/end),
 * koa would answer a bare text 404. Answer an OAuth JSON error instead, like every other answer on
 * this surface, so a client's error handling sees `error` and a reason.
 */
export const unknownRoute = async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
  await next();
  if (ctx.status !== 404 || ctx.body != null || ctx.oidc?.route !== undefined) return;
  sendOAuthError(ctx, notFound(`${ctx.method} ${ctx.path} is not an endpoint of this server`));
};
