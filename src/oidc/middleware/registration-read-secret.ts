import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * RFC 7592 read and update answers carry the client's metadata as the library holds it, and for
 * a confidential client Tessera hands the library the secret's keyed hash, never the secret
 * (client-adapter.ts). The hash is no use to the client and not for it to see: it is removed.
 * The secret itself is shown once, in the registration response (RFC 7591 §3.2.1).
 */
const MANAGEMENT_ROUTES = new Set(['client', 'client_update']);

export const registrationReadSecret = async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
  await next();
  if (!MANAGEMENT_ROUTES.has(ctx.oidc?.route ?? '') || typeof ctx.body !== 'object' || !ctx.body) return;
  const body = ctx.body as Record<string, unknown>;
  delete body.client_secret;
  delete body.client_secret_expires_at;
};
