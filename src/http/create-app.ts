import Koa from 'koa';
import type { Provider } from 'oidc-provider';
import type { Logger } from '../logging/create-logger.ts';
import { type HttpMetrics, httpMetrics } from '../metrics/http-metrics.ts';
import type { FastLane } from '../oidc/fast-lane/create-fast-lane.ts';
import { accessLog } from './middleware/access-log.ts';
import { errorBoundary } from './middleware/error-boundary.ts';
import { requestId } from './middleware/request-id.ts';
import { createHealthRoutes, type ReadinessCheck } from './routes/health.ts';
import { staticAssets } from './web/static-assets.ts';

export type AppDeps = {
  logger: Logger;
  trustProxy: boolean;
  /** The provider in service now; it is replaced when the signing keys change. */
  provider: () => Provider;
  /** Answers the plain token and introspection requests before the provider; see fast-lane/. */
  fastLane: () => FastLane | undefined;
  /** The management API, answering /v1/… (and passing everything else on). */
  managementApi: Koa.Middleware;
  /** Tessera's sign-in and consent pages, under /interaction. */
  interactions: Koa.Middleware;
  /** The console, under /console. */
  console: Koa.Middleware;
  readiness: ReadinessCheck[];
  /** True once the server is stopping: /readyz answers 503. */
  draining?: () => boolean;
  /** Requests and latency by route (served on the metrics port, never here). */
  metrics?: HttpMetrics;
};

type Handler = ReturnType<Provider['callback']>;

const PROVIDER_HOT_PATHS = new Set(['/token', '/token/introspection', '/token/revocation', '/jwks']);

/** Every `app.use`, in order: the HTTP surface at a glance. */
export const createApp = (deps: AppDeps): Koa => {
  const app = new Koa({ proxy: deps.trustProxy });
  app.silent = true; // errors are logged by errorBoundary and the provider's server_error event
  const handlers = new WeakMap<Provider, Handler>();
  const toProvider = async (ctx: Koa.Context) => {
    const provider = deps.provider();
    let handle = handlers.get(provider);
    if (!handle) {
      handle = provider.callback();
      handlers.set(provider, handle);
    }
    ctx.respond = false;
    await handle(ctx.req, ctx.res);
  };

  if (deps.metrics) app.use(httpMetrics(deps.metrics));
  app.use(requestId);
  app.use(accessLog(deps.logger));
  // The hot OAuth endpoints go straight to the provider: none of the routes below serve them.
  app.use(async (ctx, next) => {
    if (!PROVIDER_HOT_PATHS.has(ctx.path)) return next();
    if (await deps.fastLane()?.(ctx)) {
      ctx.state.fastLane = true;
      return;
    }
    await toProvider(ctx);
  });
  app.use(errorBoundary(deps.logger));
  app.use(createHealthRoutes(deps.readiness, deps.draining).routes());
  app.use(deps.managementApi);
  app.use(staticAssets);
  app.use(deps.interactions);
  app.use(deps.console);

  // RFC 8414 metadata is the same document as OpenID discovery.
  app.use(async (ctx, next) => {
    if (ctx.path === '/.well-known/oauth-authorization-server')
      ctx.req.url = '/.well-known/openid-configuration';
    await next();
  });

  // Everything else is the OAuth / OpenID Connect surface served by oidc-provider.
  app.use(toProvider);
  return app;
};
