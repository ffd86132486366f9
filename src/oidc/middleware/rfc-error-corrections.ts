import type { KoaContextWithOIDC } from 'oidc-provider';
import { AppError } from '../../errors.ts';
import { sendOAuthError } from '../oauth-error-response.ts';
import {
  GRANT_NOT_ALLOWED_DESCRIPTION,
  NO_CLIENT_AUTHENTICATION_DESCRIPTION,
} from '../provider-internals.ts';

/** Endpoints whose caller must be an authenticated client (RFC 7662 §2.1, RFC 7009 §2.1). */
const CLIENT_ONLY_ROUTES = new Set(['introspection', 'revocation']);

/**
 * Where the library's error code differs from the one the RFC names, answer with the RFC's.
 * - RFC 6749 §5.2: a client using a grant type it is not registered for gets `unauthorized_client`.
 * - RFC 7662 §2.1, RFC 6749 §5.2: introspection or revocation without any client authentication
 *   is `invalid_client`, 401, with a `WWW-Authenticate` challenge for the scheme clients use here.
 */
export const rfcErrorCorrections = async (
  ctx: KoaContextWithOIDC,
  next: () => Promise<void>,
): Promise<void> => {
  await next();
  const route = ctx.oidc?.route;
  const body = ctx.body as { error?: string; error_description?: string } | undefined;
  if (body?.error !== 'invalid_request' || route === undefined) return;
  if (route === 'token' && body.error_description === GRANT_NOT_ALLOWED_DESCRIPTION) {
    body.error = 'unauthorized_client';
  } else if (
    CLIENT_ONLY_ROUTES.has(route) &&
    body.error_description === NO_CLIENT_AUTHENTICATION_DESCRIPTION
  ) {
    const challenge = `Basic realm="${ctx.oidc.provider.issuer}"`;
    sendOAuthError(
      ctx,
      new AppError('unauthorized', NO_CLIENT_AUTHENTICATION_DESCRIPTION, {
        headers: { 'WWW-Authenticate': challenge },
      }),
    );
  }
};
