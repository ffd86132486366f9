import {
  type Answer,
  authorize,
  missingPrincipal,
  REALM,
  type ScopeOptions,
  type TokenOptions,
} from './bearer-challenge.ts';
import {
  authenticateRequest,
  checkPublicUrl,
  dpopAlgorithmsFor,
  inScheme,
  type PublicUrlOptions,
  type RequestFacts,
  requestUrl,
  SCHEME,
} from './dpop-challenge.ts';
import type { Principal } from './principal.ts';
import {
  CHALLENGE_ATTRIBUTES,
  resourceMetadataAttributes,
  type ResourceMetadataOptions,
  withChallengeAttributes,
} from './protected-resource-metadata.ts';
import type { Verifier } from './verifier.ts';

/**
 * `@tessera/verify/koa`: koa middleware. It names koa's context by shape only, so this module loads
 * (and type-checks) in projects without koa or @types/koa, and real koa contexts fit it.
 */
export type KoaContextLike = {
  get(field: string): string;
  set(field: string, value: string): void;
  status: number;
  body: unknown;
  state: Record<PropertyKey, unknown>;
  method: string;
  href: string;
  originalUrl: string;
};

export type { PublicUrlOptions, ResourceMetadataOptions, ScopeOptions, TokenOptions };
export { serveProtectedResourceMetadata } from './koa-resource-metadata.ts';

export type KoaNext = () => Promise<unknown>;

const send = (ctx: KoaContextLike, answer: Answer): void => {
  ctx.status = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
  ctx.body = answer.body;
};

/** The headers, method and URL a DPoP proof is checked against. */
const facts = (ctx: KoaContextLike, publicUrl: string | undefined): RequestFacts => ({
  authorization: ctx.get('authorization') || undefined,
  dpop: ctx.get('dpop') || undefined,
  method: ctx.method,
  url: () => requestUrl(publicUrl, () => ctx.href, ctx.originalUrl),
});

/**
 * Answers 401 (no token, or an invalid one) or 503 (Tessera unreachable), and otherwise puts the
 * principal on `ctx.state.principal` (read it typed with `principalOf(ctx)`).
 */
export const requireToken = (
  verifier: Verifier,
  options: TokenOptions & PublicUrlOptions & ResourceMetadataOptions = {},
) => {
  const realm = options.realm ?? verifier.audience;
  const extra = resourceMetadataAttributes(options.resourceMetadata);
  checkPublicUrl(options.publicUrl);
  // Generic in the context, so routers infer their own context types instead of ours.
  return async <C extends KoaContextLike>(ctx: C, next: KoaNext): Promise<void> => {
    const result = await authenticateRequest(verifier, facts(ctx, options.publicUrl), realm, options.onError);
    if ('answer' in result) return send(ctx, withChallengeAttributes(result.answer, extra));
    ctx.state.principal = result.principal;
    ctx.state[REALM] = realm;
    ctx.state[SCHEME] = dpopAlgorithmsFor(verifier, result.scheme);
    ctx.state[CHALLENGE_ATTRIBUTES] = extra;
    await next();
  };
};

/**
 * Answers 403 insufficient_scope unless the principal has `scope` (on `resource`, for RATs).
 * `resource` may be a function of the context: annotate its parameter (e.g. with @koa/router's
 * RouterContext) to read `ctx.params` typed.
 */
export const requireScope = <
  Context extends KoaContextLike = KoaContextLike & { params?: Record<string, string> },
>(
  scope: string,
  options: ScopeOptions<Context> = {},
) => {
  return async <C extends Context>(ctx: C, next: KoaNext): Promise<void> => {
    const principal = ctx.state.principal as Principal | undefined;
    if (!principal) throw missingPrincipal();
    const realm = options.realm ?? (ctx.state[REALM] as string | undefined) ?? 'api';
    const answer = await authorize(principal, scope, options, ctx, realm);
    const extra = ctx.state[CHALLENGE_ATTRIBUTES] as Record<string, string> | undefined;
    if (answer)
      return send(
        ctx,
        withChallengeAttributes(inScheme(answer, ctx.state[SCHEME] as readonly string[] | undefined), extra),
      );
    await next();
  };
};

/** The principal requireToken put on the context; throws when requireToken did not run. */
export const principalOf = (ctx: { state: Record<PropertyKey, unknown> }): Principal => {
  const principal = ctx.state.principal as Principal | undefined;
  if (!principal) throw missingPrincipal();
  return principal;
};
