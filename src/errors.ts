/**
 * Tessera's own errors (not protocol errors: those come from oidc-provider's `errors`).
 * `expose` follows oidc-provider: a status below 500 is the caller's fault and its message is shown.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'storage_unavailable'
  | 'keys_unavailable'
  | 'internal';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  /** The input field the error is about, when there is one (a CLI flag, a JSON pointer…). */
  readonly field: string | undefined;

  constructor(
    code: ErrorCode,
    status: number,
    message: string,
    options: { cause?: unknown; field?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.expose = status < 500;
    this.field = options.field;
  }
}

export const invalidInput = (message: string, field?: string): AppError =>
  new AppError('invalid_input', 400, message, { field });
export const notFound = (message: string): AppError => new AppError('not_found', 404, message);
export const forbidden = (message: string, field?: string): AppError =>
  new AppError('forbidden', 403, message, { field });
export const unavailable = (message: string, cause?: unknown): AppError =>
  new AppError('storage_unavailable', 503, message, { cause });
export const conflict = (message: string, field?: string): AppError =>
  new AppError('conflict', 409, message, { field });
