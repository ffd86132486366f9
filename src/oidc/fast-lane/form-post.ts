import { parse } from 'node:querystring';
import type { Context } from 'koa';
import { replayRequestBody } from '../provider-internals.ts';

/** The library's body limit (lib/shared/selective_body.js). */
const BODY_LIMIT = 56 * 1024;

/** Headers that bring in behaviour the fast lane leaves to the library: CORS, DPoP, attestation. */
const LIBRARY_HEADERS = ['origin', 'dpop', 'oauth-client-attestation', 'oauth-client-attestation-pop'];

/** The form content type, bare or with the UTF-8 charset (what fetch and most OAuth clients send). */
const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** A form POST that the library would read without a second thought; checked before reading it. */
const isPlainFormPost = (ctx: Context): boolean => {
  const { headers } = ctx.req;
  const length = Number(headers['content-length']);
  return (
    ctx.method === 'POST' &&
    length <= BODY_LIMIT &&
    FORM_CONTENT_TYPE.test(headers['content-type'] ?? '') &&
    LIBRARY_HEADERS.every((name) => headers[name] === undefined)
  );
};

const readBody = (ctx: Context): Promise<Buffer> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    ctx.req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // An aborted request yields what came before: the length check below then hands it over.
    ctx.req.once('end', done).once('error', done);
  });

export type FormPost = {
  /** One non-empty value per name, or undefined when the request is not a plain form. */
  params: Record<string, string> | undefined;
  /** Hands the request to the library as it came: the library reads the body again. */
  handOver(): void;
};

/**
 * Reads a plain form POST — one non-empty value per name, no CORS, DPoP or attestation headers —
 * or returns undefined without touching the request when it is something else. Decoding follows
 * the library's: UTF-8 with a charset (TextDecoder, which drops a BOM), Buffer#toString without.
 */
export const readFormPost = async (ctx: Context): Promise<FormPost | undefined> => {
  if (!isPlainFormPost(ctx)) return undefined;
  const body = await readBody(ctx);
  const handOver = () => replayRequestBody(ctx.req, body);
  if (body.length !== Number(ctx.req.headers['content-length'])) return { params: undefined, handOver };
  const withCharset = ctx.req.headers['content-type']?.includes(';');
  const text = withCharset ? new TextDecoder('utf-8').decode(body) : body.toString();
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(parse(text))) {
    if (typeof value !== 'string' || value === '') return { params: undefined, handOver };
    params[name] = value;
  }
  return { params, handOver };
};

/** True when every parameter is one of `names`; the library ignores others, the fast lane hands them over. */
export const onlyParameters = (params: Record<string, string>, names: ReadonlySet<string>): boolean =>
  Object.keys(params).every((name) => names.has(name));
