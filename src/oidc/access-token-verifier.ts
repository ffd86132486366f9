import { createPublicKey, type KeyObject, verify as verifyWithKey } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import { p1363ToDer } from '../crypto/ecdsa-signature.ts';

/**
 * Verifies the JWT access tokens Tessera signs (access-token-signer.ts) with `node:crypto`: a
 * `KeyObject` made once per key and a synchronous one-shot `verify`, for introspection's hot path.
 * jose's `jwtVerify` goes through WebCrypto on libuv's thread pool, asynchronously: about three
 * times the CPU per token on one core (docs/capacity.md).
 *
 * It decides only tokens of the exact shape Tessera signs — a protected header of `alg`, `typ` and
 * `kid` and nothing else, `alg` one Tessera signs natively, `kid` naming exactly one usable key
 * of the set, picked by jose's own rules (jwks/local.js isUsableJWK) — and checks them as
 * jose's `jwtVerify` would with the options of jwt-access-tokens.ts (jwt_claims_set.js): the same
 * `typ` comparison, required claims, issuer, numeric dates, `nbf` and `exp` against `now` with no
 * tolerance. Anything else (other header members such as `crit` or `b64`, an unknown `kid`, a kid
 * shared by two keys, Ed448) yields FALL_BACK, and jose decides: the answers stay jose's.
 */
export const FALL_BACK = Symbol('fall back to jose');

export type NativeVerifyOptions = {
  issuer: string;
  typ: string;
  requiredClaims: readonly string[];
};

type Algorithm = {
  kty: string;
  /** The curve jose requires for this algorithm, if any (jws_algorithms.js). */
  crv?: string;
  digest: string | null;
  /** ECDSA: bytes of r and of s in the JWS signature, turned into DER for OpenSSL. */
  p1363Size?: number;
};

const NATIVE: Record<string, Algorithm> = {
  ES256: { kty: 'EC', crv: 'P-256', digest: 'sha256', p1363Size: 32 },
  RS256: { kty: 'RSA', digest: 'sha256' },
  // jose accepts Ed448 for EdDSA too; node:crypto would as well, but Tessera never makes one: jose's.
  EdDSA: { kty: 'OKP', crv: 'Ed25519', digest: null },
  Ed25519: { kty: 'OKP', crv: 'Ed25519', digest: null },
};

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const HEADER_MEMBERS = new Set(['alg', 'typ', 'kid']);

/** jose's isUsableJWK for one algorithm and kid, with the curve of the algorithm (never Ed448). */
const usable = (jwk: JWK, alg: string, algorithm: Algorithm, kid: string): boolean =>
  (jwk.key_ops === undefined ||
    (Array.isArray(jwk.key_ops) &&
      jwk.key_ops.every((op, index) => typeof op === 'string' && jwk.key_ops?.indexOf(op) === index) &&
      jwk.key_ops.includes('verify'))) &&
  (jwk.ext === undefined || typeof jwk.ext === 'boolean') &&
  jwk.kty === algorithm.kty &&
  jwk.kid === kid &&
  (jwk.alg === undefined || jwk.alg === alg) &&
  (jwk.use === undefined || jwk.use === 'sig');

/** jose's typ comparison (jwt_claims_set.js normalizeTyp). */
const normalizeTyp = (value: string): string => {
  const normalized = value.toLowerCase();
  return value.includes('/') ? normalized : `application/${normalized}`;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
};

type Prepared = { key: KeyObject; algorithm: Algorithm } | undefined;

export type NativeVerifier = (
  token: string,
  now: number,
) => Record<string, unknown> | undefined | typeof FALL_BACK;

export const createNativeVerifier = (jwks: JSONWebKeySet, options: NativeVerifyOptions): NativeVerifier => {
  const wantedTyp = normalizeTyp(options.typ);
  // By alg and kid: the one usable key, or undefined when there is none or more than one.
  const prepared = new Map<string, Prepared>();
  const prepare = (alg: string, kid: string): Prepared => {
    const algorithm = NATIVE[alg] as Algorithm;
    const candidates = jwks.keys.filter((jwk) => usable(jwk, alg, algorithm, kid));
    const jwk = candidates[0];
    if (candidates.length !== 1 || !jwk) return undefined;
    if (algorithm.crv !== undefined && jwk.crv !== algorithm.crv) return undefined;
    try {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      // jose refuses RSA keys under 2048 bits (check_key_length.js): let it say so.
      if (algorithm.kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return undefined;
      return { key, algorithm };
    } catch {
      return undefined;
    }
  };

  return (token, now) => {
    const parts = token.split('.');
    if (parts.length !== 3) return FALL_BACK;
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    if (!SEGMENT.test(headerPart) || !SEGMENT.test(payloadPart) || !SEGMENT.test(signaturePart))
      return FALL_BACK;

    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString());
    } catch {
      return FALL_BACK;
    }
    if (!isPlainObject(header)) return FALL_BACK;
    for (const member in header) if (!HEADER_MEMBERS.has(member)) return FALL_BACK;
    const { alg, kid, typ } = header;
    if (typeof alg !== 'string' || typeof kid !== 'string' || NATIVE[alg] === undefined) return FALL_BACK;
    const cacheKey = `${alg}\u0000${kid}`;
    let key = prepared.get(cacheKey);
    if (key === undefined && !prepared.has(cacheKey)) {
      key = prepare(alg, kid);
      prepared.set(cacheKey, key);
    }
    if (!key) return FALL_BACK;

    const signed = Buffer.from(`${headerPart}.${payloadPart}`, 'latin1');
    const { digest, p1363Size } = key.algorithm;
    const raw = Buffer.from(signaturePart, 'base64url');
    // crypto/ecdsa-signature.ts: DER by hand is half the cost of `dsaEncoding: 'ieee-p1363'`.
    const signature = p1363Size ? p1363ToDer(raw, p1363Size) : raw;
    let valid: boolean;
    try {
      valid = signature !== undefined && verifyWithKey(digest, signed, key.key, signature);
    } catch {
      valid = false;
    }
    if (!valid) return undefined;

    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString());
    } catch {
      return undefined;
    }
    if (!isPlainObject(claims)) return undefined;
    if (typeof typ !== 'string' || normalizeTyp(typ) !== wantedTyp) return undefined;
    for (const claim of options.requiredClaims) if (!Object.hasOwn(claims, claim)) return undefined;
    if (!Object.hasOwn(claims, 'iss') || claims.iss !== options.issuer) return undefined;
    for (const claim of ['iat', 'nbf', 'exp'])
      if (claims[claim] !== undefined && typeof claims[claim] !== 'number') return undefined;
    if (typeof claims.nbf === 'number' && claims.nbf > now) return undefined;
    if (typeof claims.exp === 'number' && claims.exp <= now) return undefined;
    return claims;
  };
};
