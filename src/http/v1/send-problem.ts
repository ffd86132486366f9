import type { Context } from 'koa';
import type { Logger } from '../../logging/create-logger.ts';
import { toProblem } from './problem-document.ts';

/**
 * Answers with the problem for `error`. Server errors are logged with everything (stack, cause)
 * because the response says nothing about them; without a logger they go to koa's `error` event.
 */
export const sendProblem = (
  ctx: Context,
  error: unknown,
  logger: Logger | undefined,
  parameterNames?: ReadonlySet<string>,
): void => {
  const { status, headers, body } = toProblem(error, parameterNames);
  const requestId = typeof ctx.state.requestId === 'string' ? ctx.state.requestId : undefined;
  if (status >= 500) {
    if (logger) logger.error({ err: error, requestId }, 'management API error');
    else ctx.app.emit('error', error, ctx);
  }
  ctx.status = status;
  ctx.set(headers);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/problem+json';
  ctx.body = requestId ? { ...body, request_id: requestId } : body;
};
