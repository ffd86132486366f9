import { createHash } from 'node:crypto';
import { describeFailure, type DiscoveryDocument, type FetchLike, fetchWithTimeout } from './discovery.ts';
import { invalidToken, unavailable } from './errors.ts';
import { audiencesOf } from './claims.ts';
import { createTtlCache } from './ttl-cache.ts';

/**
 * RFC 7662 introspection with a bounded cache. A positive answer is kept for at most
 * `maxTtlMs` and never past the token's own `exp`, so a revocation is seen within that bound;
 * a negative answer is kept `negativeTtlMs`, enough to absorb a burst of retries with a bad token.
 * Failures (network, timeout, non-200, non-JSON) are `temporarily_unavailable` and never kept.
 */
export type IntrospectionAnswer = Record<string, unknown> & { active: boolean };

export type IntrospectorOptions = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  discovery: () => Promise<DiscoveryDocument>;
  fetch: FetchLike;
  timeoutMs: number;
  maxEntries: number;
  maxTtlMs: number;
  negativeTtlMs: number;
  now: () => number;
};

// RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

export const basicCredentials = (clientId: string, clientSecret: string): string =>
  `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;

export const createIntrospector = (options: IntrospectorOptions) => {
  const cache = createTtlCache<IntrospectionAnswer>(options.maxEntries);
  // Concurrent requests with one token share one call to Tessera.
  const inFlight = new Map<string, Promise<IntrospectionAnswer>>();
  const authorization = basicCredentials(options.clientId, options.clientSecret);

  const ask = async (token: string): Promise<IntrospectionAnswer> => {
    const { introspection_endpoint: endpoint } = await options.discovery();
    if (!endpoint) throw unavailable("the issuer's discovery document has no introspection_endpoint");
    let body: unknown;
    try {
      const response = await fetchWithTimeout(options.fetch, options.timeoutMs, endpoint, {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch (error) {
      throw unavailable(`token introspection failed: ${describeFailure(error)}`, error);
    }
    if (
      typeof body !== 'object' ||
      body === null ||
      typeof (body as { active?: unknown }).active !== 'boolean'
    )
      throw unavailable('token introspection answered something that is not an RFC 7662 response');
    return body as IntrospectionAnswer;
  };

  const keep = (key: string, answer: IntrospectionAnswer) => {
    const now = options.now();
    if (answer.active !== true) return cache.set(key, answer, now + options.negativeTtlMs, now);
    const exp = typeof answer.exp === 'number' ? answer.exp * 1000 : Infinity;
    cache.set(key, answer, Math.min(now + options.maxTtlMs, exp), now);
  };

  return {
    cache,
    async introspect(token: string): Promise<IntrospectionAnswer> {
      // Keys are digests, so the cache holds no bearer token in memory.
      const key = createHash('sha256').update(token).digest('base64url');
      const cached = cache.get(key, options.now());
      if (cached) return cached;
      let request = inFlight.get(key);
      if (!request) {
        request = ask(token)
          .then((answer) => {
            keep(key, answer);
            return answer;
          })
          .finally(() => inFlight.delete(key));
        inFlight.set(key, request);
      }
      return request;
    },
  };
};

export type Introspector = ReturnType<typeof createIntrospector>;

/** Checks an introspection answer the way jwtVerify checks a JWT: active, issuer, audience, expiry. */
export const checkIntrospection = (
  answer: IntrospectionAnswer,
  expected: {
    issuer: string;
    audience: string;
    clockToleranceMs: number;
    now: number;
  },
): void => {
  if (answer.active !== true) throw invalidToken('the token is not active (unknown, expired or revoked)');
  if (answer.iss !== undefined && answer.iss !== expected.issuer)
    throw invalidToken('the token was issued by another issuer');
  // RFC 9449 §6.2: a DPoP-bound token is introspected as token_type DPoP (checked by the caller).
  if (typeof answer.token_type === 'string' && !['bearer', 'dpop'].includes(answer.token_type.toLowerCase()))
    throw invalidToken('the token is not an access token');
  // Tessera names the audience of every token it vouches for: a client token's one resource, and
  // for a PAT or RAT made without an audience, the APIs the asking resource server is registered
  // for. An answer without `aud` is therefore not one of those, and is refused, whatever the kind.
  const audiences = audiencesOf(answer.aud);
  if (!audiences || audiences.length === 0) throw invalidToken('the token names no audience');
  if (!audiences.includes(expected.audience)) throw invalidToken('the token is meant for another audience');
  if (typeof answer.exp === 'number' && expected.now >= answer.exp * 1000 + expected.clockToleranceMs)
    throw invalidToken('the token has expired');
};
