import type { KoaContextWithOIDC } from 'oidc-provider';
import { GRANT_NOT_ALLOWED_DESCRIPTION } from '../provider-internals.ts';

/**
 * Where the library's error code differs from the one the RFC names, answer with the RFC's.
 * - RFC 6749 §5.2: a client using a grant type it is not registered for gets `unauthorized_client`.
 */
export const rfcErrorCorrections = async (
  ctx: KoaContextWithOIDC,
  next: () => Promise<void>,
): Promise<void> => {
  await next();
  const body = ctx.body as { error?: string; error_description?: string } | undefined;
  if (
    ctx.oidc?.route === 'token' &&
    body?.error === 'invalid_request' &&
    body.error_description === GRANT_NOT_ALLOWED_DESCRIPTION
  ) {
    body.error = 'unauthorized_client';
  }
};
