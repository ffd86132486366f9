/**
 * Why a bearer token was not accepted, in RFC 6750's words, so middleware (ours or an API's own)
 * can answer without guessing: `invalid_token` → 401, `insufficient_scope` → 403, and
 * `temporarily_unavailable` → 503 when Tessera could not be asked (a token is never "valid" then).
 */
export type VerifyErrorCode = 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';

const STATUS = { invalid_token: 401, insufficient_scope: 403, temporarily_unavailable: 503 } as const;

export class VerifyError extends Error {
  // Fields are assigned in the constructor (no parameter properties) so the file stays erasable.
  readonly code: VerifyErrorCode;
  readonly status: 401 | 403 | 503;

  constructor(code: VerifyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VerifyError';
    this.code = code;
    this.status = STATUS[code];
  }
}

export const invalidToken = (message: string, cause?: unknown): VerifyError =>
  new VerifyError('invalid_token', message, cause === undefined ? undefined : { cause });

export const unavailable = (message: string, cause?: unknown): VerifyError =>
  new VerifyError('temporarily_unavailable', message, cause === undefined ? undefined : { cause });
