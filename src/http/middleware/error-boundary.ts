import type { Context, Next } from 'koa';
import type { Logger } from '../../logging/create-logger.ts';
import { sendProblem } from '../problems/problem-response.ts';

/**
 * The last line of defence for Tessera's own routes outside /v1 (health, pages, assets): whatever
 * escapes them is answered as an RFC 9457 problem, the same renderer /v1 uses. A server error is
 * logged with its stack and answered without a word from inside.
 */
export const errorBoundary =
  (logger: Logger) =>
  async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      sendProblem(ctx, error, logger);
    }
  };
