import type { Context } from 'koa';
import { actorScopes, type Actor, type RequestMeta } from '../../domain/actors.ts';
import { AppError } from '../../errors.ts';
import type { BearerAuthenticator } from '../authenticate-bearer.ts';

const CHALLENGE = 'Bearer realm="tessera"';

/** RFC 6750 §2.1: `Bearer` then a b64token. Other schemes count as no credentials at all. */
const BEARER_SCHEME = /^Bearer(?: |$)/i;
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export const requestMeta = (ctx: Context): RequestMeta => ({
  ip: ctx.ip,
  userAgent: ctx.get('user-agent') || undefined,
});

/**
 * RFC 6750 §3: no credentials is a bare challenge; credentials that do not resolve to an actor are
 * `invalid_token`. A malformed bearer header is an invalid token too: there is nothing to look up.
 */
export const authenticateRequest = async (
  ctx: Context,
  authenticate: BearerAuthenticator,
): Promise<Actor> => {
  const header = ctx.get('authorization');
  if (!BEARER_SCHEME.test(header)) {
    throw new AppError('unauthorized', 'This needs a bearer token in the Authorization header.', {
      headers: { 'WWW-Authenticate': CHALLENGE },
    });
  }
  const token = BEARER_CREDENTIALS.exec(header)?.[1];
  const actor = token === undefined ? undefined : await authenticate(token, requestMeta(ctx));
  if (!actor) {
    throw new AppError('invalid_token', 'The bearer token is malformed, unknown, expired or revoked.', {
      headers: { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` },
    });
  }
  return actor;
};

/**
 * Any one of the route's scopes is enough, and `admin` is enough for every route. The challenge's
 * `scope` lists the route's scopes; where there are several, any one of them would do.
 */
export const requireScopes = (actor: Actor, scopes: readonly string[]): void => {
  const held = actorScopes(actor);
  if (held.includes('admin') || scopes.some((scope) => held.includes(scope))) return;
  throw new AppError('insufficient_scope', `This needs the scope ${scopes.join(' or ')}.`, {
    headers: { 'WWW-Authenticate': `${CHALLENGE}, error="insufficient_scope", scope="${scopes.join(' ')}"` },
  });
};
