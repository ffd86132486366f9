import type { Context } from 'koa';
import { AppError } from '../../errors.ts';

/**
 * The body of an HTML form post (application/x-www-form-urlencoded), at most 64 KiB: the pages'
 * forms are small, so anything larger is refused before it is buffered.
 */
const LIMIT = 64 * 1024;

const tooLarge = () => new AppError('payload_too_large', 'The form is too large.');

/** Refuses, as an AppError the page renders, what is not a small form post. */
export const readFormBody = async (ctx: Context): Promise<URLSearchParams> => {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new AppError('unsupported_media_type', 'This expects a form post.');
  }
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > LIMIT) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMIT) throw tooLarge();
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
};
