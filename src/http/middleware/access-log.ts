import type { Context, Next } from 'koa';
import type { Logger } from '../../logging/create-logger.ts';

/**
 * One log line per request, written when the response has been sent — also for requests the
 * provider answers itself (it writes to the raw response, outside koa's flow).
 */
export const accessLog =
  (logger: Logger) =>
  async (ctx: Context, next: Next): Promise<void> => {
    // Below info (LOG_LEVEL=warn) only failures are logged: skip the bookkeeping for the rest.
    const everyRequest = logger.isLevelEnabled('info');
    const started = process.hrtime.bigint();
    ctx.res.once('close', () => {
      const status = ctx.res.statusCode;
      if (!everyRequest && status < 500) return;
      const line = {
        requestId: ctx.state.requestId as string,
        method: ctx.method,
        path: ctx.path,
        status,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        ip: ctx.ip,
        ...(ctx.state.fastLane ? { fastLane: true } : {}),
      };
      if (status >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request');
    });
    await next();
  };
