import { principalFields } from './claims.ts';
import { createDiscovery, type FetchLike } from './discovery.ts';
import { createDPoPBinding, type DPoPOptions, type DPoPPresentation } from './dpop-binding.ts';
import { invalidToken } from './errors.ts';
import { checkIntrospection, createIntrospector } from './introspection.ts';
import { ASYMMETRIC_ALGORITHMS, createJwtChecker } from './jwt.ts';
import { createPrincipal, type Principal } from './principal.ts';
import type { RevocationFeed } from './revocation-feed.ts';
import { looksLikeTesseraToken, parseToken } from './token-format.ts';

export type VerifierOptions = {
  /** Tessera's issuer URL, exactly as its tokens' `iss` and its discovery document say it. */
  issuer: string;
  /** This API's identifier: the `aud` a token must carry to be accepted here. */
  audience: string;
  /**
   * A client registered with `--introspects <audience>`. Needed for opaque tokens, PATs and RATs;
   * without it those are `invalid_token` and only JWTs are accepted.
   */
  introspection?: { clientId: string; clientSecret: string };
  /**
   * Also ask introspection about JWTs once their signature checks out, so a revoked JWT is refused
   * within the cache bound instead of at its `exp`. Off by default: JWTs are validated offline.
   */
  introspectJwts?: boolean;
  /** JWT signing algorithms accepted; asymmetric only. Default ES256, RS256, EdDSA. */
  algorithms?: readonly string[];
  /** Leeway for `exp` (and `iat`/`nbf`) against this machine's clock. Default 5. */
  clockToleranceSeconds?: number;
  /** Time limit of each call to Tessera (discovery, JWKS, introspection). Default 5. */
  timeoutSeconds?: number;
  cache?: {
    /** Introspection answers kept at most. Default 10000. */
    maxEntries?: number;
    /** How long an active answer is kept (never past the token's exp). Default 30; 0 keeps none. */
    maxTtlSeconds?: number;
    /** How long an inactive answer is kept. Default 5; 0 keeps none. */
    negativeTtlSeconds?: number;
  };
  jwks?: {
    /** After a JWKS fetch, an unknown `kid` waits this long before it may trigger another. Default 30. */
    cooldownSeconds?: number;
    /** Fetched keys are refreshed after this long. Default 600. */
    maxAgeSeconds?: number;
  };
  /**
   * A Shared Signals feed (createRevocationFeed): revoked JWTs are refused before their `exp`, and
   * each revocation drops the cached introspection answers.
   */
  revocations?: Pick<RevocationFeed, 'isRevoked' | 'onRevoked'>;
  /** Replaces the global fetch for every call to Tessera. */
  fetch?: FetchLike;
  /** The clock, in epoch milliseconds (as Date.now). */
  now?: () => number;
  /**
   * Refuse tokens that are not DPoP-bound (RFC 9449). Off by default: bound tokens always need their
   * DPoP proof, and unbound ones are accepted as bearer tokens.
   */
  requireDPoP?: boolean;
  /** How DPoP proofs are checked: algorithms, `iat` window, replay store, nonces. */
  dpop?: DPoPOptions;
};

export type Verifier = {
  readonly issuer: string;
  readonly audience: string;
  /**
   * Resolves with the token's principal, or rejects with a VerifyError. `dpop` is given when the
   * request used `Authorization: DPoP`: then the token must be DPoP-bound and the proof valid;
   * without it the token is taken as a bearer token, and a DPoP-bound one is refused.
   */
  verify(token: string, dpop?: DPoPPresentation): Promise<Principal>;
  /** What the middleware advertise in DPoP challenges (RFC 9449 §7.1); absent: bearer only. */
  readonly dpop?: { readonly algorithms: readonly string[]; readonly required: boolean };
};

const DEFAULT_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'];
// RFC 6750 §2.1 b64token; compact JWS is three base64url parts, the last empty for alg "none".
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_TOKEN_LENGTH = 8192;

const seconds = (value: number | undefined, fallback: number, name: string): number => {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result < 0) throw new TypeError(`${name} must be a non-negative number`);
  return result;
};

const checkUrl = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || !URL.canParse(value))
    throw new TypeError(`${name} must be an absolute URL`);
  return value;
};

export const createVerifier = (options: VerifierOptions): Verifier => {
  const issuer = checkUrl(options.issuer, 'issuer');
  if (typeof options.audience !== 'string' || options.audience === '')
    throw new TypeError('audience must be a non-empty string');
  const { audience } = options;
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  for (const algorithm of algorithms) {
    // `none` and HMAC would let anyone holding the public JWKS (or nothing at all) mint tokens.
    if (!ASYMMETRIC_ALGORITHMS.includes(algorithm))
      throw new TypeError(
        `algorithm ${algorithm} is not allowed; use asymmetric ones: ${ASYMMETRIC_ALGORITHMS.join(', ')}`,
      );
  }
  if (algorithms.length === 0) throw new TypeError('algorithms must name at least one algorithm');
  if (options.introspection && (!options.introspection.clientId || !options.introspection.clientSecret))
    throw new TypeError('introspection needs a clientId and a clientSecret');
  if (options.introspectJwts && !options.introspection)
    throw new TypeError('introspectJwts needs introspection credentials');

  const clockToleranceSeconds = seconds(options.clockToleranceSeconds, 5, 'clockToleranceSeconds');
  const timeoutMs = seconds(options.timeoutSeconds, 5, 'timeoutSeconds') * 1000;
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? Date.now;
  const discovery = createDiscovery(issuer, fetchImpl, timeoutMs);
  const binding = createDPoPBinding(options.dpop, options.requireDPoP === true, now);

  const checkJwt = createJwtChecker({
    issuer,
    audience,
    algorithms,
    clockToleranceSeconds,
    discovery,
    fetch: fetchImpl,
    timeoutMs,
    jwksCooldownMs: seconds(options.jwks?.cooldownSeconds, 30, 'jwks.cooldownSeconds') * 1000,
    jwksMaxAgeMs: seconds(options.jwks?.maxAgeSeconds, 600, 'jwks.maxAgeSeconds') * 1000,
    now,
  });

  const introspector = options.introspection
    ? createIntrospector({
        issuer,
        clientId: options.introspection.clientId,
        clientSecret: options.introspection.clientSecret,
        discovery,
        fetch: fetchImpl,
        timeoutMs,
        maxEntries: seconds(options.cache?.maxEntries, 10_000, 'cache.maxEntries'),
        maxTtlMs: seconds(options.cache?.maxTtlSeconds, 30, 'cache.maxTtlSeconds') * 1000,
        negativeTtlMs: seconds(options.cache?.negativeTtlSeconds, 5, 'cache.negativeTtlSeconds') * 1000,
        now,
      })
    : undefined;

  options.revocations?.onRevoked(() => introspector?.cache.clear());

  const introspect = async (token: string) => {
    if (!introspector)
      throw invalidToken(
        'this API accepts JWT access tokens only (the verifier has no introspection credentials for opaque tokens, PATs and RATs)',
      );
    const answer = await introspector.introspect(token);
    checkIntrospection(answer, {
      issuer,
      audience,
      clockToleranceMs: clockToleranceSeconds * 1000,
      now: now(),
    });
    return answer;
  };

  return {
    issuer,
    audience,
    dpop: { algorithms: binding.algorithms, required: binding.required },
    async verify(bearer: string, dpop?: DPoPPresentation): Promise<Principal> {
      if (typeof bearer !== 'string' || bearer === '') throw invalidToken('no bearer token');
      if (bearer.length > MAX_TOKEN_LENGTH) throw invalidToken('the token is too long');

      if (looksLikeTesseraToken(bearer)) {
        // Prefix, length and CRC32 are checked here, so a typo or a made-up token costs no call to Tessera.
        const kind = parseToken(bearer);
        if (!kind)
          throw invalidToken(
            'the token is not a well-formed Tessera access token (bad prefix, length or checksum)',
          );
        const answer = await introspect(bearer);
        await binding.enforce(bearer, answer, dpop);
        return createPrincipal(principalFields(answer, kind));
      }
      if (COMPACT_JWS.test(bearer)) {
        const claims = await checkJwt(bearer);
        if (options.revocations?.isRevoked(claims)) throw invalidToken('the token has been revoked');
        if (options.introspectJwts && introspector) await introspect(bearer);
        await binding.enforce(bearer, claims, dpop);
        return createPrincipal(principalFields(claims));
      }
      if (!B64TOKEN.test(bearer)) throw invalidToken('the token is malformed');
      const answer = await introspect(bearer);
      await binding.enforce(bearer, answer, dpop);
      return createPrincipal(principalFields(answer));
    },
  };
};
