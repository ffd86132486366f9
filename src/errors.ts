/**
 * Tessera's one error type: an AppError carries a code from the closed ErrorCode union, and the
 * code alone decides the HTTP status (STATUS_BY_CODE, the only such table). Each surface renders
 * it its own way — an RFC 6749 JSON error on the OAuth endpoints (oidc/oauth-error-response.ts),
 * an RFC 9457 problem on /v1 and Tessera's other routes (http/problem-response.ts), an HTML page in
 * the console, a line and an exit code in the CLI — and every one of them classifies a thrown
 * value with classifyError. Protocol errors inside the library's own routes stay oidc-provider's.
 * `expose` follows oidc-provider: a status below 500 is the caller's fault and its message is shown.
 */
export type ErrorCode =
  /** The request (a body member, a parameter, a CLI flag) is wrong: fix it and try again. */
  | 'invalid_input'
  /** The console's OpenID Connect sign-in could not complete. */
  | 'sign_in_failed'
  /** No credentials at all. */
  | 'unauthorized'
  /** A bearer token that is malformed, unknown, expired or revoked. */
  | 'invalid_token'
  | 'forbidden'
  /** The token is good but lacks the scope the route needs. */
  | 'insufficient_scope'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  /** Too many requests from one caller in a window: retry after the window closes. */
  | 'rate_limited'
  /** A dependency (PostgreSQL, Redis, the embedded database) is unavailable: retry later. */
  | 'storage_unavailable'
  /** The signing keys cannot be read or written. */
  | 'keys_unavailable'
  | 'config_invalid'
  /** A bug or an unclassified failure; nothing about it is shown. */
  | 'internal';

/**
 * The HTTP status of each code. `invalid_input` is always 400, whether the JSON was malformed or
 * well-formed but unacceptable (a past expiry, a scope the caller lacks): one status for "fix your
 * request" is simpler for clients than the 400/422 line, which nobody draws alike.
 */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  sign_in_failed: 400,
  unauthorized: 401,
  invalid_token: 401,
  forbidden: 403,
  insufficient_scope: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  config_invalid: 500,
  internal: 500,
  storage_unavailable: 503,
  keys_unavailable: 503,
};

/**
 * One input an error is about, named the way the client wrote it: a JSON pointer into the request
 * body (RFC 6901) or the name of a path or query parameter, and what is wrong with it.
 */
export type ProblemItem = { pointer: string; detail: string } | { parameter: string; detail: string };

/**
 * One problem with one input, the domain's way: `field` is the domain's key (`expiresInDays`,
 * `scopes.0`; absent when the problem is about the input as a whole) and `detail` says what is
 * wrong without naming it ("must be 1 or more"), so each surface names the field its own way (a
 * JSON pointer, a flag). A detail that mentions another field writes it `{expiresAt}`: the
 * surface puts its own name there too (`fieldReference`).
 */
export type FieldProblem = { field?: string | undefined; detail: string };

/** `{expiresAt}` in a detail: a reference to another field, for the surface to name. */
export const fieldReference = /\{([A-Za-z][A-Za-z0-9.]*)\}/g;

/** A detail with its field references named by `name`. */
export const nameFields = (detail: string, name: (field: string) => string): string =>
  detail.replace(fieldReference, (_match, field: string) => name(field));

export type AppErrorOptions = {
  cause?: unknown;
  /** The input field the error is about, the domain's way (`expiresInDays`, `scopes.0`). */
  field?: string | undefined;
  /** Every problem with the input at once, the domain's way (see FieldProblem). */
  fields?: FieldProblem[] | undefined;
  /** The inputs the error is about, already named the client's way (the HTTP layer's checks). */
  errors?: ProblemItem[] | undefined;
  /** Response headers that belong to the error: `Allow`, `WWW-Authenticate`… */
  headers?: Record<string, string> | undefined;
  /** With a 503: when to try again. */
  retryAfterSeconds?: number | undefined;
};

/** A 503 that does not say when to retry asks for this: long enough for a blip, short enough to recover. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** A store that stopped answering reconnects within a second or two when it comes back. */
export const OUTAGE_RETRY_AFTER_SECONDS = 2;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly field: string | undefined;
  readonly fields: FieldProblem[] | undefined;
  readonly errors: ProblemItem[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Set on every 503: both renderers send it as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = STATUS_BY_CODE[code];
    this.expose = this.status < 500;
    this.field = options.field;
    this.fields = options.fields;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.retryAfterSeconds =
      options.retryAfterSeconds ?? (this.status === 503 ? DEFAULT_RETRY_AFTER_SECONDS : undefined);
  }
}

export const invalidInput = (message: string, field?: string): AppError =>
  new AppError('invalid_input', message, { field });
/**
 * Several input problems reported together, so a client fixes them in one go. The message lists
 * them the domain's way, for a surface that does not name fields itself (a log line).
 */
export const invalidFields = (problems: FieldProblem[]): AppError => {
  const line = ({ field, detail }: FieldProblem) =>
    `${field ? `${field} ` : ''}${nameFields(detail, (name) => name)}`;
  const message =
    problems.length === 1 && problems[0]
      ? line(problems[0])
      : `${problems.length} problems: ${problems.map(line).join('; ')}`;
  return new AppError('invalid_input', message, { field: problems[0]?.field, fields: problems });
};
export const notFound = (message: string): AppError => new AppError('not_found', message);
export const forbidden = (message: string, field?: string): AppError =>
  new AppError('forbidden', message, { field });
export const unavailable = (message: string, cause?: unknown): AppError =>
  new AppError('storage_unavailable', message, { cause });
export const conflict = (message: string, field?: string): AppError =>
  new AppError('conflict', message, { field });

/** What a caller is told about a failure: its own message when it is the caller's to fix, else only the kind. */
export const publicMessage = (error: AppError): string =>
  error.expose
    ? error.message
    : error.status === 503
      ? 'A service Tessera depends on is unavailable; nothing is reported done. Retry later.'
      : 'Something went wrong on our side.';

/** Libraries' own client errors (koa's http-errors, oidc-provider's) by status. */
const CODE_BY_LIBRARY_STATUS: Readonly<Record<number, ErrorCode>> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** Socket errors that mean "the other end is not there" (Node's `code`). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * How ioredis, pg and knex say "the store did not answer" — not "your query is wrong". Matched by
 * message because none of them gives these errors a class or a code of their own.
 */
const OUTAGE_MESSAGES = [
  /^Connection is closed\.?$/,
  /enableOfflineQueue options is false/,
  /^Command timed out$/,
  /^Socket timeout/,
  /^Too many Cluster redirections/,
  /^CLUSTERDOWN/,
  /^Failed to refresh slots cache/,
  /^None of (the )?startup nodes is available/,
  /^LOADING /,
  // knex puts the statement in front of pg's message: "select … - Connection terminated …".
  /(?:^| - )Connection terminated(?: unexpectedly| due to connection timeout)?$/,
  // pg's own connect timeout (connectionTimeoutMillis).
  /^timeout expired$/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /Client has encountered a connection error/,
  /^Knex: Timeout acquiring a connection/,
];

/**
 * True when `error` (or what it wraps) says a store is unreachable: a refused or timed-out
 * connection, a command that got no reply, ioredis refusing a command while disconnected, a
 * Postgres that is shutting down (57P0x) or dropped the connection (class 08), a knex pool that
 * could not hand out a connection. The one place that knows these libraries' failure shapes.
 */
export const isStorageOutage = (error: unknown, depth = 0): boolean => {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const failure = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  const code = typeof failure.code === 'string' ? failure.code : '';
  if (UNREACHABLE_CODES.has(code) || /^(08...|57P0[123])$/.test(code)) return true;
  if (failure.name === 'MaxRetriesPerRequestError' || failure.name === 'KnexTimeoutError') return true;
  const message = typeof failure.message === 'string' ? failure.message : '';
  if (OUTAGE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isStorageOutage(inner, depth + 1)))
    return true;
  return isStorageOutage(failure.cause, depth + 1);
};

/**
 * What a thrown value means, for every renderer: an AppError as it is; a library's error that
 * the library marks as the caller's fault (`expose` with a 4xx status) as the matching client
 * error; a store that did not answer (isStorageOutage) as `storage_unavailable`, a 503; anything
 * else is a bug nobody classified — `internal`, whose message may hold internals and so stays in
 * the log (as the cause).
 */
export const classifyError = (error: unknown): AppError => {
  if (error instanceof AppError) return error;
  const failure = error as { expose?: unknown; status?: unknown; statusCode?: unknown } | null;
  const status = Number(failure?.statusCode ?? failure?.status);
  if (failure?.expose === true && status >= 400 && status < 500) {
    const described = (error as { error_description?: unknown }).error_description;
    const message = typeof described === 'string' ? described : (error as Error).message;
    return new AppError(CODE_BY_LIBRARY_STATUS[status] ?? 'invalid_input', message, { cause: error });
  }
  if (isStorageOutage(error))
    return new AppError('storage_unavailable', 'a store did not answer', {
      cause: error,
      retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS,
    });
  return new AppError('internal', 'unclassified failure', { cause: error });
};
