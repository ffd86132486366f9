import { performance } from 'node:perf_hooks';
import type { Context, Next } from 'koa';
import type { Metrics } from './create-metrics.ts';

/**
 * Counts every request and its latency by a bounded `route` label: the endpoint's path for the
 * fixed OAuth and operations endpoints, the router's template for /v1 and the console (e.g.
 * `/v1/access-tokens/:id`), a family for assets and sign-in pages, and `unmatched` for the rest
 * (404s, scanners) — never the raw path, which would give every probe a series of its own.
 */
const FIXED_ROUTES = new Set([
  '/token',
  '/token/introspection',
  '/token/revocation',
  '/jwks',
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/healthz',
  '/readyz',
  '/auth',
  '/me',
  '/session/end',
  '/session/end/confirm',
  '/session/end/success',
]);

const FAMILIES: [prefix: string, route: string][] = [
  ['/assets/', '/assets/*'],
  ['/auth/', '/auth/:uid'],
  ['/interaction/', '/interaction/*'],
  ['/console/', '/console/*'],
];

export const routeOf = (ctx: Context): string => {
  if (FIXED_ROUTES.has(ctx.path)) return ctx.path;
  // @koa/router records the template of the layer that matched (a string, or a RegExp route).
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  for (const [prefix, route] of FAMILIES) if (ctx.path.startsWith(prefix)) return route;
  return 'unmatched';
};

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

type Children = {
  requests: ReturnType<Metrics['httpRequests']['bind']>;
  duration: ReturnType<Metrics['httpDuration']['bind']>;
};

export type HttpMetrics = Pick<Metrics, 'httpRequests' | 'httpDuration'>;

export const httpMetrics = (metrics: HttpMetrics) => {
  // route → method → status → the labelled series: looked up with no label string built per request.
  const series = new Map<string, Map<string, Map<number, Children>>>();
  const childrenOf = (route: string, method: string, status: number): Children => {
    let byMethod = series.get(route);
    if (!byMethod) series.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let children = byStatus.get(status);
    if (!children) {
      const labels = { route, method, status: String(status) };
      children = {
        requests: metrics.httpRequests.bind(labels),
        duration: metrics.httpDuration.bind(labels),
      };
      byStatus.set(status, children);
    }
    return children;
  };

  return async (ctx: Context, next: Next): Promise<void> => {
    const started = performance.now();
    let status: number | undefined;
    try {
      await next();
    } catch (error) {
      // What escapes every boundary is answered by koa as a 500.
      status = 500;
      throw error;
    } finally {
      // Read once the response is written: koa's own answers set the status before this resumes,
      // and the provider has ended its raw response by the time its handler resolves. Timing
      // here, not on the socket's 'close', spares a listener per request.
      const children = childrenOf(
        routeOf(ctx),
        METHODS.has(ctx.method) ? ctx.method : 'OTHER',
        status ?? ctx.res.statusCode,
      );
      children.requests.inc();
      children.duration.observe((performance.now() - started) / 1000);
    }
  };
};
