/**
 * One item of a problem's `errors`: which input it is about — a JSON pointer into the request body
 * (RFC 6901) or the name of a path or query parameter — and what is wrong with it.
 */
export type ProblemItem = { pointer: string; detail: string } | { parameter: string; detail: string };

/**
 * An error of the HTTP layer itself (a bad header, body or parameter; no such route), raised before
 * any domain code runs. Domain errors stay AppErrors; both are rendered by the problem boundary.
 * `code` is a stable machine-readable name, shown to clients as the problem's `code` member.
 */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: ProblemItem[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    detail: string,
    options: { errors?: ProblemItem[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.status = status;
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export const invalidRequest = (detail: string, errors?: ProblemItem[]): HttpProblem =>
  new HttpProblem(400, 'invalid_input', detail, { errors });

export const routeNotFound = (): HttpProblem =>
  new HttpProblem(404, 'not_found', 'There is no such resource in the management API.');

export const methodNotAllowed = (method: string, allowed: string[]): HttpProblem =>
  new HttpProblem(405, 'method_not_allowed', `${method} is not allowed here.`, {
    headers: { Allow: allowed.join(', ') },
  });

export const payloadTooLarge = (limit: number): HttpProblem =>
  new HttpProblem(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`);

export const unsupportedMediaType = (detail: string): HttpProblem =>
  new HttpProblem(415, 'unsupported_media_type', detail);
