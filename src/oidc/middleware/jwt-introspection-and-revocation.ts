import type { KoaContextWithOIDC } from 'oidc-provider';
import { invalidInput } from '../../errors.ts';
import { inactive, jwtAnswer } from '../introspection-answers.ts';
import { sendOAuthError } from '../oauth-error-response.ts';
import { STRUCTURED_TOKEN_ERROR } from '../provider-internals.ts';
import type { TokenPolicies } from '../configuration/token-policies.ts';
import type { JwtAccessTokens } from '../jwt-access-tokens.ts';

/**
 * Introspection and revocation of JWT access tokens, which the library rejects with
 * `unsupported_token_type` *after* it has authenticated the calling client. This middleware runs
 * around the library's routes and takes over exactly that case, so client authentication stays the
 * library's. A JWT Tessera will not vouch for (forged, foreign, expired, revoked, someone else's)
 * introspects as `{"active": false}`, never as an error (RFC 7662 §2.2).
 */
type Deps = { jwtAccessTokens: JwtAccessTokens; policies: TokenPolicies };

export const createJwtIntrospectionAndRevocation =
  (deps: Deps) =>
  async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    const route = ctx.oidc?.route;
    if (route !== 'introspection' && route !== 'revocation') return;
    const body = ctx.body as { error?: string } | undefined;
    const client = ctx.oidc.client;
    const token = ctx.oidc.params?.token;
    if (body?.error !== STRUCTURED_TOKEN_ERROR || !client || typeof token !== 'string') return;

    const jwts = deps.jwtAccessTokens;
    const claims = await jwts.verify(token);
    ctx.status = 200;

    if (route === 'revocation') {
      ctx.body = '';
      if (!claims) return; // RFC 7009 §2.2: an invalid token is not an error.
      if (!deps.policies.mayRevoke(client.clientId, { clientId: claims.client_id })) {
        // The library's answer for its own tokens (create-provider.ts, revocation.allowedPolicy).
        sendOAuthError(ctx, invalidInput('client is not authorized to revoke the presented token'));
        return;
      }
      await jwts.revoke(claims, {
        kind: 'client',
        id: client.clientId,
        meta: { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined },
      });
      return;
    }

    ctx.body = inactive();
    if (!claims || (await jwts.isRevoked(claims))) return;
    if (
      !(await deps.policies.mayIntrospect(client.clientId, { clientId: claims.client_id, aud: claims.aud }))
    ) {
      return;
    }
    ctx.body = jwtAnswer(claims);
  };
