import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../../errors.ts';
import { HttpProblem } from './http-problem.ts';
import { inApiWords, problemItemForDomainField } from './problem-items.ts';

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

/**
 * The HTTP status of each domain error code. `invalid_input` is always 400, whether the JSON was
 * malformed or well-formed but unacceptable (a past expiry, a scope the caller lacks): one status
 * for "fix your request" is simpler for clients than the 400/422 line, which nobody draws alike.
 */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  storage_unavailable: 503,
  keys_unavailable: 503,
  config_invalid: 500,
  internal: 500,
};

const SERVER_DETAIL: Record<number, string> = {
  503: 'A service Tessera depends on is unavailable; nothing is reported done. Retry later.',
};

const render = (status: number, code: string, detail: string, extra: Partial<ProblemBody> = {}) => ({
  type: 'about:blank',
  title: STATUS_CODES[status] ?? 'Error',
  status,
  detail,
  code,
  ...extra,
});

/**
 * Turns any error into the problem the client sees. Only client errors carry their own message; a
 * 5xx says nothing from inside (no message, no stack). `parameterNames` lets a domain error's field
 * be named as the route's parameter rather than as a body member.
 */
export const toProblem = (
  error: unknown,
  parameterNames: ReadonlySet<string> = new Set(),
): RenderedProblem => {
  if (error instanceof HttpProblem) {
    return {
      status: error.status,
      headers: error.headers,
      body: render(error.status, error.code, error.message, error.errors ? { errors: error.errors } : {}),
    };
  }
  if (error instanceof AppError) {
    const status = STATUS_BY_CODE[error.code];
    if (status >= 500) return { status, headers: {}, body: render(status, error.code, serverDetail(status)) };
    const headers: Record<string, string> =
      status === 401 ? { 'WWW-Authenticate': 'Bearer realm="tessera", error="invalid_token"' } : {};
    const errors = error.field
      ? [problemItemForDomainField(error.field, error.message, parameterNames)]
      : undefined;
    const detail = inApiWords(error.message, error.field);
    return { status, headers, body: render(status, error.code, detail, errors ? { errors } : {}) };
  }
  // Anything else is a bug or an outage: its message may hold internals, so it stays in the log.
  return { status: 500, headers: {}, body: render(500, 'internal', serverDetail(500)) };
};

const serverDetail = (status: number): string => SERVER_DETAIL[status] ?? 'Something went wrong on our side.';
