import { createHash } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { invalidProof, unavailable, VerifyError } from './errors.ts';
import type { DPoPNonceSource } from './dpop-nonce.ts';
import type { DPoPReplayStore } from './dpop-replay.ts';

/**
 * RFC 9449 §4.3 and §7.1: checks the DPoP proof a request brings along with a DPoP-bound access
 * token. The proof is a JWT signed by the client's key, carried in its own header: `typ: dpop+jwt`,
 * an asymmetric `alg`, the public key in `jwk`; it names this request (`htm`, `htu`), this access
 * token (`ath`), is fresh (`iat`) and used once (`jti`); the key's thumbprint is the token's
 * `cnf.jkt`. Everything is local except the replay store, which an API may share among instances.
 */
export type ProofRequest = {
  /** The DPoP header's value: one compact JWS. */
  proof: string | undefined;
  /** The request's method, as received (GET, POST, …). */
  method: string;
  /** The request's full URL as the client addressed it (scheme, host, path; the query is ignored). */
  url: string;
  /** The access token the request presents, so `ath` can be checked. */
  accessToken: string;
  /** The token's `cnf.jkt`: the SHA-256 thumbprint of the key it is bound to. */
  jkt: string;
};

export type ProofCheckerOptions = {
  algorithms: readonly string[];
  /** How old a proof's `iat` may be. */
  maxAgeMs: number;
  /** Leeway for `iat` in both directions, for clocks that disagree. */
  clockSkewMs: number;
  replayStore: DPoPReplayStore;
  nonce: DPoPNonceSource | undefined;
  now: () => number;
};

const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// RFC 7517/7518 members that only a private (or symmetric) key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** `htu` and the request URL compared as RFC 9449 §4.3 asks: normalised, without query and fragment. */
export const normaliseHtu = (value: string): string | undefined => {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.search = '';
  url.hash = '';
  return url.href;
};

/** RFC 9449 §4.2: `ath` is the base64url SHA-256 of the access token's ASCII bytes. */
export const accessTokenHash = (accessToken: string): string =>
  createHash('sha256').update(accessToken, 'ascii').digest('base64url');

const describeJoseFailure = (error: unknown): VerifyError => {
  if (error instanceof VerifyError) return error;
  const { code, claim, reason } = (error ?? {}) as { code?: unknown; claim?: unknown; reason?: unknown };
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return invalidProof("the DPoP proof's signature is invalid", error);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return invalidProof("the DPoP proof's signing algorithm is not allowed", error);
    case 'ERR_JWT_EXPIRED':
      return invalidProof('the DPoP proof has expired', error);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return reason === 'missing'
        ? invalidProof(`the DPoP proof has no ${String(claim)} claim`, error)
        : invalidProof(`the DPoP proof's ${String(claim)} claim is not acceptable`, error);
    default:
      return invalidProof(`the DPoP proof is malformed (${(error as Error)?.message ?? error})`, error);
  }
};

/** The header checks jose leaves to us, each with its own message. */
const checkHeader = (proof: string, algorithms: readonly string[]): JWK => {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch (error) {
    throw invalidProof('the DPoP proof is not a JWT', error);
  }
  if (header.typ !== 'dpop+jwt') throw invalidProof('the DPoP proof must have typ dpop+jwt');
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg))
    throw invalidProof(
      `the DPoP proof's algorithm ${String(header.alg)} is not allowed; use one of ${algorithms.join(', ')}`,
    );
  const { jwk } = header;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw invalidProof('the DPoP proof has no jwk header (the public key it is signed with)');
  // A private key in the header means the client leaked it: such a proof proves nothing.
  if (PRIVATE_MEMBERS.some((member) => member in jwk))
    throw invalidProof("the DPoP proof's jwk header holds a private or symmetric key; it must be public");
  return jwk;
};

const checkFreshness = (payload: JWTPayload, options: ProofCheckerOptions): number => {
  const { iat } = payload;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalidProof('the DPoP proof has no iat claim');
  const now = options.now();
  if (iat * 1000 > now + options.clockSkewMs) throw invalidProof('the DPoP proof was issued in the future');
  if (iat * 1000 < now - options.maxAgeMs - options.clockSkewMs)
    throw invalidProof('the DPoP proof is too old (its iat is outside the accepted window)');
  // Past this moment the proof fails the iat check anyway, so its jti need not be kept longer.
  return iat * 1000 + options.maxAgeMs + options.clockSkewMs;
};

const checkNonce = async (payload: JWTPayload, source: DPoPNonceSource): Promise<void> => {
  const { nonce } = payload;
  let accepted: boolean;
  let next: string;
  try {
    accepted = typeof nonce === 'string' && nonce !== '' && (await source.accepts(nonce));
    if (accepted) return;
    next = await source.current();
  } catch (error) {
    throw unavailable(`the DPoP nonce could not be checked: ${(error as Error)?.message ?? error}`, error);
  }
  throw new VerifyError(
    'use_dpop_nonce',
    nonce === undefined
      ? 'this API requires a nonce in the DPoP proof (use the DPoP-Nonce header)'
      : "the DPoP proof's nonce is not current (use the DPoP-Nonce header)",
    { dpopNonce: next },
  );
};

export const createProofChecker = (options: ProofCheckerOptions) => {
  return async (request: ProofRequest): Promise<void> => {
    const { proof } = request;
    if (proof === undefined || proof === '') throw invalidProof('the request has no DPoP header');
    // Node joins repeated headers with ", "; a compact JWS has no comma (RFC 9449 §4.3 step 1).
    if (proof.includes(',')) throw invalidProof('the request has more than one DPoP header');
    if (proof.length > MAX_PROOF_LENGTH) throw invalidProof('the DPoP proof is too long');
    if (!COMPACT_JWS.test(proof.trim())) throw invalidProof('the DPoP proof is not a signed JWT');
    const jwk = checkHeader(proof.trim(), options.algorithms);

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(proof.trim(), EmbeddedJWK, {
        algorithms: [...options.algorithms],
        typ: 'dpop+jwt',
        requiredClaims: ['jti', 'htm', 'htu', 'iat'],
        currentDate: new Date(options.now()),
        clockTolerance: Math.ceil(options.clockSkewMs / 1000),
      }));
    } catch (error) {
      throw describeJoseFailure(error);
    }

    if (payload.htm !== request.method)
      throw invalidProof(`the DPoP proof is for another method (htm must be ${request.method})`);
    const expected = normaliseHtu(request.url);
    // Only a request without a usable Host header (or a bad publicUrl) gets here.
    if (expected === undefined) throw invalidProof(`the request's URL (${request.url}) cannot be told`);
    if (typeof payload.htu !== 'string' || normaliseHtu(payload.htu) !== expected)
      throw invalidProof(`the DPoP proof is for another URL (htu must be ${expected})`);
    if (payload.ath === undefined) throw invalidProof('the DPoP proof has no ath claim');
    if (payload.ath !== accessTokenHash(request.accessToken))
      throw invalidProof('the DPoP proof is for another access token (ath)');
    if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > MAX_JTI_LENGTH)
      throw invalidProof("the DPoP proof's jti is malformed");

    let thumbprint: string;
    try {
      thumbprint = await calculateJwkThumbprint(jwk, 'sha256');
    } catch (error) {
      throw invalidProof("the DPoP proof's jwk header is not a usable key", error);
    }
    if (thumbprint !== request.jkt)
      throw invalidProof('the DPoP proof is signed with another key than the one the token is bound to');

    const keepUntil = checkFreshness(payload, options);
    // The nonce before the replay store: a proof refused for its nonce is retried with a new jti.
    if (options.nonce) await checkNonce(payload, options.nonce);

    // Keyed by key and jti, hashed: a client cannot use up another's jti, and the store stays small.
    const replayKey = createHash('sha256').update(`${thumbprint} ${payload.jti}`).digest('base64url');
    let fresh: boolean;
    try {
      fresh = await options.replayStore.remember(replayKey, keepUntil);
    } catch (error) {
      throw unavailable(
        `the DPoP replay store could not be asked: ${(error as Error)?.message ?? error}`,
        error,
      );
    }
    if (!fresh) throw invalidProof('the DPoP proof was already used (replayed jti)');
  };
};

export type ProofChecker = ReturnType<typeof createProofChecker>;
