import type { Context } from 'koa';

/**
 * The body of an HTML form post (application/x-www-form-urlencoded), at most 64 KiB: the pages'
 * forms are small, so anything larger is refused before it is buffered.
 */
const LIMIT = 64 * 1024;

export class FormBodyError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'FormBodyError';
    this.status = status;
  }
}

export const readFormBody = async (ctx: Context): Promise<URLSearchParams> => {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new FormBodyError(415, 'This expects a form post.');
  }
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > LIMIT) throw new FormBodyError(413, 'The form is too large.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMIT) throw new FormBodyError(413, 'The form is too large.');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
};
