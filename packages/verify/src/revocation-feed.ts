import { createRemoteJWKSet, jwtVerify } from 'jose';
import { basicCredentials } from './introspection.ts';
import { describeFailure, fetchWithTimeout, type FetchLike } from './discovery.ts';

/**
 * A Shared Signals receiver for one API: it opens a poll stream on Tessera (RFC 8936, events
 * `urn:tessera:secevent:token-revoked`), long-polls it, verifies every Security Event Token with
 * jose against Tessera's `/jwks` (`typ: secevent+jwt`, this issuer, this client as audience), and
 * remembers the revoked JWT `jti`s — and PAT/RAT ids, which an exchanged JWT names in `token_id` —
 * until the token's `exp`. Give it to `createVerifier({ revocations })`: JWTs validated offline are
 * then refused within about a second of their revocation, and every revocation drops the cached
 * introspection answers. It needs a client with the `ssf` scope on the management API:
 *
 *     tessera clients create --name my-api-signals --resources urn:tessera:management --scopes ssf
 *
 * Revocations made before `start` resolves are not known to it (a stream starts at its creation):
 * for those, JWTs stay valid until `exp` as without a feed. Depends on `jose` and `node:*` only.
 */
export const TOKEN_REVOKED = 'urn:tessera:secevent:token-revoked';
const POLL_METHOD = 'urn:ietf:rfc:8936';
const MANAGEMENT_API = 'urn:tessera:management';
/** How long a token whose `exp` the event does not give (a PAT without expiry) is remembered. */
const DEFAULT_MEMORY_MS = 24 * 3_600_000;

export type RevokedToken = {
  tokenId: string;
  kind: string;
  jti: string | null;
  subject: string | null;
  client: string | null;
  audience: string[];
  exp: number | null;
};

export type RevocationFeedOptions = {
  issuer: string;
  /** A client with the `ssf` scope on Tessera's management API (see above). */
  clientId: string;
  clientSecret: string;
  /** Time limit of each call other than the long poll. Default 5. */
  timeoutSeconds?: number;
  /** Told about every failure (the feed retries on its own, backing off up to 30 s). */
  onError?: (error: unknown) => void;
  fetch?: FetchLike;
  now?: () => number;
};

export type RevocationFeed = {
  /** Opens the stream and starts polling; resolves once the stream exists. */
  start(): Promise<void>;
  /** Stops polling and deletes the stream. */
  stop(): Promise<void>;
  /** Whether a token with these claims was revoked (until its `exp`). */
  isRevoked(claims: { jti?: unknown; token_id?: unknown }): boolean;
  /** Calls `listener` for every revocation received; returns the unsubscribe function. */
  onRevoked(listener: (token: RevokedToken) => void): () => void;
};

type Json = Record<string, unknown>;

export const createRevocationFeed = (options: RevocationFeedOptions): RevocationFeed => {
  const issuer = options.issuer.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = (options.timeoutSeconds ?? 5) * 1000;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => {});
  const revoked = new Map<string, number>(); // `jti:…` / `tok:…` → until (epoch ms)
  const listeners = new Set<(token: RevokedToken) => void>();
  let stopping: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let stream: { id: string; pollUrl: string; configurationEndpoint: string } | undefined;
  let token: { value: string; until: number } | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  const getJson = async (
    url: string,
    init: RequestInit = {},
    limitMs = timeoutMs,
  ): Promise<{ status: number; body: Json }> => {
    const response = await fetchWithTimeout(fetchImpl, limitMs, url, {
      ...init,
      headers: { accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };

  const discover = async () => {
    const oidc = await getJson(`${issuer}/.well-known/openid-configuration`);
    const ssf = await getJson(`${issuer}/.well-known/ssf-configuration`);
    if (oidc.body.issuer !== issuer || ssf.body.issuer !== issuer) {
      throw new Error(`the discovery documents at ${issuer} name another issuer`);
    }
    jwks ??= createRemoteJWKSet(new URL(String(ssf.body.jwks_uri)), { timeoutDuration: timeoutMs });
    return {
      tokenEndpoint: String(oidc.body.token_endpoint),
      configurationEndpoint: String(ssf.body.configuration_endpoint),
    };
  };

  const accessToken = async (tokenEndpoint: string): Promise<string> => {
    if (token && token.until > now()) return token.value;
    const { status, body } = await getJson(tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: basicCredentials(options.clientId, options.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        resource: MANAGEMENT_API,
        scope: 'ssf',
      }).toString(),
    });
    if (status !== 200 || typeof body.access_token !== 'string') {
      throw new Error(`the feed's client could not get a token (HTTP ${status} ${String(body.error ?? '')})`);
    }
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : 300;
    token = { value: body.access_token, until: now() + Math.max(lifetime - 30, 10) * 1000 };
    return token.value;
  };

  let endpoints: Awaited<ReturnType<typeof discover>> | undefined;
  const authorized = async () => {
    endpoints ??= await discover();
    return {
      authorization: `Bearer ${await accessToken(endpoints.tokenEndpoint)}`,
      'content-type': 'application/json',
    };
  };

  const remember = (key: string, exp: number | null) => {
    const until = exp === null ? now() + DEFAULT_MEMORY_MS : exp * 1000;
    if (until > now()) revoked.set(key, Math.max(until, revoked.get(key) ?? 0));
  };

  const prune = () => {
    const at = now();
    for (const [key, until] of revoked) if (until <= at) revoked.delete(key);
  };

  /** Verifies one SET and takes in its revocation; returns an RFC 8936 error for a bad one. */
  const receive = async (set: string): Promise<{ err: string; description: string } | undefined> => {
    let payload: Json;
    try {
      ({ payload } = await jwtVerify(set, jwks as ReturnType<typeof createRemoteJWKSet>, {
        issuer,
        audience: options.clientId,
        typ: 'secevent+jwt',
      }));
    } catch (error) {
      return { err: 'invalid_request', description: `the SET does not verify: ${describeFailure(error)}` };
    }
    const event = (payload.events as Record<string, Json> | undefined)?.[TOKEN_REVOKED];
    if (!event) return undefined; // verification, stream-updated: nothing to remember
    const token: RevokedToken = {
      tokenId: String(event.token_id),
      kind: String(event.token_kind),
      jti: typeof event.jti === 'string' ? event.jti : null,
      subject: typeof event.subject === 'string' ? event.subject : null,
      client: typeof event.client === 'string' ? event.client : null,
      audience: Array.isArray(event.audience) ? event.audience.map(String) : [],
      exp: typeof event.exp === 'number' ? event.exp : null,
    };
    if (token.jti) remember(`jti:${token.jti}`, token.exp);
    remember(`tok:${token.tokenId}`, token.exp);
    for (const listener of listeners) listener(token);
    return undefined;
  };

  const poll = async (signal: AbortSignal) => {
    let ack: string[] = [];
    let setErrs: Record<string, { err: string; description: string }> = {};
    let failures = 0;
    while (!signal.aborted) {
      try {
        const response = await fetchImpl((stream as { pollUrl: string }).pollUrl, {
          method: 'POST',
          headers: await authorized(),
          body: JSON.stringify({
            ack,
            ...(Object.keys(setErrs).length ? { setErrs } : {}),
            maxEvents: 100,
            returnImmediately: false,
          }),
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs + 30_000)]),
        });
        if (response.status === 401) token = undefined;
        if (response.status !== 200) throw new Error(`the poll endpoint answered HTTP ${response.status}`);
        const body = (await response.json()) as { sets?: Record<string, string> };
        ack = [];
        setErrs = {};
        for (const [jti, set] of Object.entries(body.sets ?? {})) {
          const error = await receive(set);
          if (error) setErrs[jti] = error;
          else ack.push(jti);
        }
        prune();
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        onError(error);
        failures += 1;
        const delay = Math.min(500 * 2 ** failures, 30_000);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  return {
    async start() {
      if (loop) return;
      const headers = await authorized();
      const created = await getJson(String(endpoints?.configurationEndpoint), {
        method: 'POST',
        headers,
        body: JSON.stringify({
          delivery: { method: POLL_METHOD },
          events_requested: [TOKEN_REVOKED],
          description: 'tessera/verify revocation feed',
        }),
      });
      const delivery = created.body.delivery as { endpoint_url?: unknown } | undefined;
      if (created.status !== 201 || typeof delivery?.endpoint_url !== 'string') {
        throw new Error(
          `could not open a Shared Signals stream (HTTP ${created.status} ${String(created.body.detail ?? '')})`,
        );
      }
      stream = {
        id: String(created.body.stream_id),
        pollUrl: delivery.endpoint_url,
        configurationEndpoint: String(endpoints?.configurationEndpoint),
      };
      stopping = new AbortController();
      loop = poll(stopping.signal);
    },

    async stop() {
      stopping?.abort();
      await loop;
      loop = undefined;
      if (!stream) return;
      const { id, configurationEndpoint } = stream;
      stream = undefined;
      try {
        await getJson(`${configurationEndpoint}?stream_id=${encodeURIComponent(id)}`, {
          method: 'DELETE',
          headers: await authorized(),
        });
      } catch (error) {
        onError(error);
      }
    },

    isRevoked(claims) {
      const at = now();
      const check = (key: string) => (revoked.get(key) ?? 0) > at;
      return (
        (typeof claims.jti === 'string' && check(`jti:${claims.jti}`)) ||
        (typeof claims.token_id === 'string' && check(`tok:${claims.token_id}`))
      );
    },

    onRevoked(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
};
