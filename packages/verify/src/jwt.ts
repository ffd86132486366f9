import { createRemoteJWKSet, customFetch, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { DiscoveryDocument, FetchLike } from './discovery.ts';
import { invalidToken, unavailable, VerifyError } from './errors.ts';

/**
 * Offline validation of RFC 9068 JWT access tokens: keys only from the issuer's `jwks_uri` (a key
 * set, so jose never looks at `jwk`, `jku`, `x5u` or `x5c` headers), `typ: at+jwt` (an ID token is
 * not an access token), `iss`, `aud`, expiry with a small tolerance, and an asymmetric algorithm
 * allowlist.
 */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
];

// RFC 9068 §2.2: the claims every JWT access token carries.
const REQUIRED_CLAIMS = ['iss', 'aud', 'exp', 'iat', 'sub', 'client_id', 'jti'];

export type JwtCheckerOptions = {
  issuer: string;
  audience: string;
  algorithms: string[];
  clockToleranceSeconds: number;
  discovery: () => Promise<DiscoveryDocument>;
  fetch: FetchLike;
  timeoutMs: number;
  /** How long after a JWKS fetch an unknown `kid` may not trigger another (jose's cooldownDuration). */
  jwksCooldownMs: number;
  /** How long fetched keys are used before they are fetched again (jose's cacheMaxAge). */
  jwksMaxAgeMs: number;
  now: () => number;
};

const UNAVAILABLE_CODES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

const describeClaimFailure = (claim: string, reason: string): string => {
  if (claim === 'typ') return 'the token is not an access token (its typ must be at+jwt)';
  if (reason === 'missing') return `the token has no ${claim} claim`;
  if (claim === 'iss') return 'the token was issued by another issuer';
  if (claim === 'aud') return 'the token is meant for another audience';
  return `the token's ${claim} claim is not acceptable`;
};

const classify = (error: unknown): VerifyError => {
  if (error instanceof VerifyError) return error;
  const { code, claim, reason } = (error ?? {}) as { code?: unknown; claim?: unknown; reason?: unknown };
  if (typeof code !== 'string' || !code.startsWith('ERR_J'))
    // Not jose's verdict on the token: the key set could not be fetched (network, DNS, refused).
    return unavailable(
      `could not fetch the issuer's signing keys: ${(error as Error)?.message ?? error}`,
      error,
    );
  if (UNAVAILABLE_CODES.has(code))
    return unavailable(`could not fetch the issuer's signing keys: ${(error as Error).message}`, error);
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return invalidToken('the token has expired', error);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return invalidToken(describeClaimFailure(String(claim), String(reason)), error);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return invalidToken("the token's signing algorithm is not allowed", error);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return invalidToken("the token's signature is invalid", error);
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return invalidToken("the token was not signed by one of the issuer's keys", error);
    default:
      return invalidToken('the token is malformed', error);
  }
};

export const createJwtChecker = (options: JwtCheckerOptions) => {
  let keySet: JWTVerifyGetKey | undefined;

  const keys = async (): Promise<JWTVerifyGetKey> => {
    if (keySet) return keySet;
    const { jwks_uri: jwksUri } = await options.discovery();
    keySet ??= createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: Math.max(1, Math.round(options.timeoutMs)),
      cooldownDuration: options.jwksCooldownMs,
      cacheMaxAge: options.jwksMaxAgeMs,
      [customFetch]: (url, init) => options.fetch(url, init),
    });
    return keySet;
  };

  return async (token: string): Promise<JWTPayload> => {
    try {
      const { payload } = await jwtVerify(token, await keys(), {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms,
        typ: 'at+jwt',
        clockTolerance: options.clockToleranceSeconds,
        currentDate: new Date(options.now()),
        requiredClaims: REQUIRED_CLAIMS,
      });
      return payload;
    } catch (error) {
      throw classify(error);
    }
  };
};
