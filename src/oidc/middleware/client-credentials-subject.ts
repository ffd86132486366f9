import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * An introspected client_credentials token speaks for its client: RFC 9068 §2.2 puts the client id
 * in `sub` of a JWT access token, and the introspection of an opaque one says the same, so a
 * resource server reads one field whatever the format.
 */
export const clientCredentialsSubject = async (
  ctx: KoaContextWithOIDC,
  next: () => Promise<void>,
): Promise<void> => {
  await next();
  if (ctx.oidc?.route !== 'introspection') return;
  const body = ctx.body as { active?: boolean; sub?: string; client_id?: string } | undefined;
  if (body?.active === true && body.sub === undefined && ctx.oidc.entities.ClientCredentials) {
    body.sub = body.client_id;
  }
};
