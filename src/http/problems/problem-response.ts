import { STATUS_CODES } from 'node:http';
import type { Context } from 'koa';
import { z } from 'zod';
import { classifyError, publicMessage } from '../../errors.ts';
import type { Logger } from '../../logging/create-logger.ts';
import {
  detailForDomainFields,
  inApiWords,
  problemItemForDomainField,
  problemItemsForDomainFields,
} from './problem-items.ts';

/**
 * The RFC 9457 renderer: how /v1 and Tessera's other own routes answer an error, as
 * `application/problem+json`. (The OAuth endpoints answer RFC 6749 JSON instead:
 * oidc/oauth-error-response.ts.)
 */

/** RFC 9457 problem details, with Tessera's `code` extension member. */
export const problemSchema = z
  .object({
    type: z.string().describe('Always about:blank: `code` tells problems apart.'),
    title: z.string().describe('The HTTP status phrase.'),
    status: z.int().min(400).max(599),
    detail: z.string().describe('What went wrong, for a person.'),
    code: z
      .string()
      .describe('A stable machine-readable name: invalid_input, not_found, insufficient_scope…'),
    errors: z
      .array(
        z.union([
          z.object({
            pointer: z.string().describe('A JSON pointer into the request body.'),
            detail: z.string(),
          }),
          z.object({ parameter: z.string().describe('A path or query parameter.'), detail: z.string() }),
        ]),
      )
      .optional()
      .describe('The inputs the problem is about.'),
    request_id: z.string().optional().describe('The X-Request-Id of the request, to find it in the logs.'),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem document (application/problem+json).' });

export type ProblemBody = z.input<typeof problemSchema>;
export type RenderedProblem = { status: number; headers: Record<string, string>; body: ProblemBody };

/** A 401 that names no challenge of its own is about the bearer token it came with (RFC 6750 §3). */
const BEARER_CHALLENGE = 'Bearer realm="tessera", error="invalid_token"';

/**
 * The problem the client sees for any thrown value. Only client errors carry their own message; a
 * 5xx says nothing from inside (no message, no stack). `parameterNames` lets a domain error's field
 * be named as the route's parameter rather than as a body member.
 */
export const toProblem = (
  thrown: unknown,
  parameterNames: ReadonlySet<string> = new Set(),
): RenderedProblem => {
  const error = classifyError(thrown);
  const { status } = error;
  const headers: Record<string, string> = { ...error.headers };
  if (status === 401) headers['WWW-Authenticate'] ??= BEARER_CHALLENGE;
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);

  const fieldItems = error.fields && problemItemsForDomainFields(error.fields, parameterNames);
  const items =
    fieldItems ??
    (error.field ? [problemItemForDomainField(error.field, error.message, parameterNames)] : error.errors);
  const errors = error.expose ? items : undefined;
  const detail = !error.expose
    ? publicMessage(error)
    : fieldItems
      ? detailForDomainFields(fieldItems)
      : inApiWords(error.message, error.field);
  return {
    status,
    headers,
    body: {
      type: 'about:blank',
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail,
      code: error.code,
      ...(errors ? { errors } : {}),
    },
  };
};

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
  // A store outage is logged once, as a connection state change (main.ts), not once per request.
  if (status >= 500 && body.code !== 'storage_unavailable') {
    if (logger) logger.error({ err: error, requestId }, 'request failed');
    else ctx.app.emit('error', error, ctx);
  }
  ctx.status = status;
  ctx.set(headers);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/problem+json';
  ctx.body = requestId ? { ...body, request_id: requestId } : body;
};
