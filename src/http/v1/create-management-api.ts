import { Router } from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../../logging/create-logger.ts';
import type { BearerAuthenticator } from '../authenticate-bearer.ts';
import type { Route } from './define-route.ts';
import { AppError } from '../../errors.ts';
import { createManagementRoutes, type ManagementRouteDeps } from './management-routes.ts';
import { routeMiddleware } from './route-middleware.ts';
import { sendProblem } from '../problems/problem-response.ts';

export type ManagementApiDeps = ManagementRouteDeps & {
  /** Resolves a bearer token (management-API JWT or PAT) to its actor; undefined when it is no good. */
  authenticate: BearerAuthenticator;
  /**
   * 5xx problems say nothing about their cause; it is logged here instead. Without a logger the
   * error is emitted as koa's `error` event on the app.
   */
  logger?: Logger;
  /** Check every response against its declared schema: on in development and tests, off in production. */
  checkResponses?: boolean;
};

const PREFIX = '/v1';

/** The router that serves `routes` under /v1. Exported so tests can compare what it serves with the document. */
export const createManagementRouter = (
  routes: readonly Route[],
  options: Pick<ManagementApiDeps, 'authenticate' | 'logger' | 'checkResponses'>,
): Router => {
  const router = new Router({ prefix: PREFIX });
  const pipeline = { ...options, checkResponses: options.checkResponses ?? false };
  for (const route of routes) router.register(route.path, [route.method], routeMiddleware(route, pipeline));
  return router;
};

const isManagementPath = (path: string): boolean => path === PREFIX || path.startsWith(`${PREFIX}/`);

/**
 * The management API as one koa middleware, to mount ahead of the OAuth surface. It answers every
 * path under /v1 — unknown paths and methods included, as problems — with `Cache-Control:
 * no-store`, and passes every other path to `next`.
 */
export const createManagementApi = (deps: ManagementApiDeps): Middleware => {
  const router = createManagementRouter(createManagementRoutes(deps), deps);
  const dispatch = router.routes();

  // Reached only when no route answered: a known path with another method is 405, else 404.
  const unmatched = async (ctx: Context): Promise<void> => {
    const allowed = [...new Set(router.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods))];
    if (allowed.length === 0)
      throw new AppError('not_found', 'There is no such resource in the management API.');
    throw new AppError('method_not_allowed', `${ctx.method} is not allowed here.`, {
      headers: { Allow: allowed.join(', ') },
    });
  };

  return async (ctx: Context, next: Next): Promise<void> => {
    if (!isManagementPath(ctx.path)) return next();
    ctx.set('Cache-Control', 'no-store');
    try {
      await dispatch(ctx as Parameters<typeof dispatch>[0], () => unmatched(ctx));
    } catch (error) {
      sendProblem(ctx, error, deps.logger);
    }
  };
};
