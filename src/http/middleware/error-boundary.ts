import type { Context, Next } from 'koa';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../logging/create-logger.ts';

/**
 * The last line of defence for Tessera's own routes: an exposed AppError becomes an RFC 9457
 * problem; anything else is logged with its stack and answered with a bare 500 problem — no stack,
 * no message from inside.
 */
export const errorBoundary =
  (logger: Logger) =>
  async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      const known = error instanceof AppError && error.expose;
      const status = known ? error.status : ((error as { status?: number }).status ?? 500);
      const exposed = known || (status < 500 && (error as { expose?: boolean }).expose === true);
      if (!exposed) logger.error({ err: error, requestId: ctx.state.requestId }, 'unhandled error');
      ctx.status = exposed ? status : 500;
      ctx.type = 'application/problem+json';
      ctx.body = {
        type: 'about:blank',
        title: exposed ? (error as Error).message : 'Internal Server Error',
        status: ctx.status,
        ...(known && error.field ? { field: error.field } : {}),
      };
    }
  };
