/**
 * Why a bearer token was not accepted, in RFC 6750's words, so middleware (ours or an API's own)
 * can answer without guessing: `invalid_token` → 401, `insufficient_scope` → 403, and
 * `temporarily_unavailable` → 503 when Tessera could not be asked (a token is never "valid" then).
 * RFC 9449 §7.1 adds two for DPoP: `invalid_dpop_proof` → 401, and `use_dpop_nonce` → 401 with the
 * nonce to use next (`dpopNonce`, sent as the `DPoP-Nonce` header).
 */
export type VerifyErrorCode =
  | 'invalid_token'
  | 'insufficient_scope'
  | 'temporarily_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

const STATUS = {
  invalid_token: 401,
  insufficient_scope: 403,
  temporarily_unavailable: 503,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
} as const;

export class VerifyError extends Error {
  // Fields are assigned in the constructor (no parameter properties) so the file stays erasable.
  readonly code: VerifyErrorCode;
  readonly status: 401 | 403 | 503;
  /** `use_dpop_nonce`: the nonce the client must put in its next DPoP proof. */
  readonly dpopNonce: string | undefined;

  constructor(
    code: VerifyErrorCode,
    message: string,
    options?: { cause?: unknown; dpopNonce?: string | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VerifyError';
    this.code = code;
    this.status = STATUS[code];
    this.dpopNonce = options?.dpopNonce;
  }
}

export const invalidToken = (message: string, cause?: unknown): VerifyError =>
  new VerifyError('invalid_token', message, cause === undefined ? undefined : { cause });

export const unavailable = (message: string, cause?: unknown): VerifyError =>
  new VerifyError('temporarily_unavailable', message, cause === undefined ? undefined : { cause });

export const invalidProof = (message: string, cause?: unknown): VerifyError =>
  new VerifyError('invalid_dpop_proof', message, cause === undefined ? undefined : { cause });
