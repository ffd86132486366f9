import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

/** Every response carries X-Request-Id: the caller's when it is a sane value, else a new UUID. */
export const requestId = async (ctx: Context, next: Next): Promise<void> => {
  const incoming = ctx.get('x-request-id');
  const id = /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
  ctx.state.requestId = id;
  ctx.set('X-Request-Id', id);
  await next();
};
