import { Router } from '@koa/router';
import { AppError } from '../../errors.ts';

export type ReadinessCheck = { name: string; check: () => Promise<void> };

/**
 * /healthz: the process is alive and serving. /readyz: every dependency the token endpoint needs
 * answers (storage, token store, signing keys) and the server is not draining — load balancers send
 * traffic only when it is 200.
 */
export const createHealthRoutes = (
  checks: ReadinessCheck[],
  draining: () => boolean = () => false,
): Router => {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    // A stopping server leaves the rotation at once, while it still answers what is sent to it.
    if (draining()) {
      ctx.set('Cache-Control', 'no-store');
      ctx.status = 503;
      ctx.body = { status: 'draining' };
      return;
    }
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await check();
          return [name, 'ok', undefined] as const;
        } catch (error) {
          // Tessera's own message says which part is down (a Redis Cluster's slot ranges); others say nothing.
          return [name, 'unavailable', error instanceof AppError ? error.message : undefined] as const;
        }
      }),
    );
    const ready = results.every(([, status]) => status === 'ok');
    const details = results
      .filter(([, , detail]) => detail !== undefined)
      .map(([name, , detail]) => [name, detail]);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = {
      status: ready ? 'ready' : 'not ready',
      checks: Object.fromEntries(results.map(([name, status]) => [name, status])),
      ...(details.length > 0 ? { details: Object.fromEntries(details) } : {}),
    };
  });
  return router;
};
