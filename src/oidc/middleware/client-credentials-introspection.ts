import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientCredentialsAnswer } from '../introspection-answers.ts';

/**
 * The library decides whether a client credentials token is active (found, valid, the caller
 * allowed); what an active one says is Tessera's, built where every introspection answer is
 * (introspection-answers.ts) — the very function the fast lane answers with.
 */
export const clientCredentialsIntrospection = async (
  ctx: KoaContextWithOIDC,
  next: () => Promise<void>,
): Promise<void> => {
  await next();
  if (ctx.oidc?.route !== 'introspection') return;
  const token = ctx.oidc.entities.ClientCredentials;
  if ((ctx.body as { active?: boolean } | undefined)?.active !== true || !token) return;
  ctx.body = clientCredentialsAnswer(token, ctx.oidc.provider.issuer);
};
