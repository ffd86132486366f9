import type { Context } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { IntrospectionResult } from '../../metrics/create-metrics.ts';
import type { FastLane } from '../fast-lane/create-fast-lane.ts';

/**
 * Tells the outcome of every introspection request, whoever answered it: `active`, `inactive`,
 * or `error` (an OAuth error such as invalid_client, or a 503 while a store is down). The answer
 * is read once it is final, so Tessera's middleware that rewrites the library's (PATs, JWTs)
 * has had its say.
 */
export type RecordIntrospection = (result: IntrospectionResult) => void;

const resultOf = (status: number, body: unknown): IntrospectionResult =>
  status >= 400
    ? 'error'
    : (body as { active?: unknown } | undefined)?.active === true
      ? 'active'
      : 'inactive';

/** The library's route: registered first, so it sees the answer its error boundary made of a throw. */
export const countIntrospections =
  (record: RecordIntrospection) =>
  async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    try {
      await next();
    } finally {
      if (ctx.oidc?.route === 'introspection') record(resultOf(ctx.status, ctx.body));
    }
  };

/** The fast lane: what it answered itself (a request it hands over is counted by the library's route). */
export const countFastLaneIntrospections =
  (lane: FastLane, record: RecordIntrospection): FastLane =>
  async (ctx: Context) => {
    const answered = await lane(ctx);
    // The lane writes its answer to the response itself and leaves the object in ctx.state.
    if (answered && ctx.path === '/token/introspection')
      record(resultOf(ctx.res.statusCode, ctx.state.fastLaneAnswer ?? ctx.body));
    return answered;
  };
