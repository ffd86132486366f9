import type { Context } from 'koa';
import { AppError, invalidInput } from '../../errors.ts';

/** Management requests are small JSON objects; anything bigger is a mistake or an attack. */
export const JSON_BODY_LIMIT = 64 * 1024;

const tooLarge = () =>
  new AppError('payload_too_large', `The request body is larger than ${JSON_BODY_LIMIT} bytes.`);

const hasBody = (ctx: Context): boolean =>
  ctx.get('transfer-encoding') !== '' || (ctx.request.length !== undefined && ctx.request.length > 0);

/**
 * Reads the request body as JSON: `application/json` (UTF-8) only, at most 64 KiB, parsed strictly.
 * No body at all is `undefined`, which the route's schema then reports as required. Written here
 * rather than taken from a body-parser package because these few checks are the whole job and each
 * needs its own RFC 9457 problem.
 */
export const readJsonBody = async (ctx: Context): Promise<unknown> => {
  if (!hasBody(ctx)) return undefined;
  if (ctx.request.type !== 'application/json') {
    throw new AppError('unsupported_media_type', 'The request body must be application/json.');
  }
  const charset = ctx.request.charset;
  if (charset && charset.toLowerCase() !== 'utf-8') {
    throw new AppError('unsupported_media_type', 'The request body must be encoded in UTF-8.');
  }
  const encoding = ctx.get('content-encoding');
  if (encoding && encoding.toLowerCase() !== 'identity') {
    throw new AppError('unsupported_media_type', 'The request body must not be compressed.');
  }
  if (ctx.request.length !== undefined && ctx.request.length > JSON_BODY_LIMIT) {
    throw tooLarge();
  }

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > JSON_BODY_LIMIT) throw tooLarge();
    chunks.push(chunk);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw invalidInput('The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // V8's message quotes the input, which is the caller's own data but nothing they need back.
    throw invalidInput('The request body is not valid JSON.');
  }
};
