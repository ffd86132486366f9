import type { Context } from 'koa';
import { AppError } from '../../errors.ts';

/**
 * The request body as sent, byte for byte: a signed alert's signature covers exactly these bytes,
 * so nothing may parse or re-encode them first. Refused beyond `limit` before it is all buffered.
 */
export const readRawBody = async (ctx: Context, limit: number): Promise<Buffer> => {
  const tooLarge = () => new AppError('payload_too_large', `The body must be at most ${limit} bytes.`);
  if (Number(ctx.get('content-length') || 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
};
