import { unavailable } from './errors.ts';

export type FetchLike = typeof globalThis.fetch;

export type DiscoveryDocument = { issuer: string; jwks_uri: string; introspection_endpoint?: string };

/** A fetch that gives up after `timeoutMs` and never follows redirects (an answer must come from where we asked). */
export const fetchWithTimeout = (
  fetchImpl: FetchLike,
  timeoutMs: number,
  url: string,
  init: RequestInit = {},
) => fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });

export const describeFailure = (error: unknown): string =>
  error instanceof Error ? (error.name === 'TimeoutError' ? 'timed out' : error.message) : String(error);

/**
 * Reads `<issuer>/.well-known/openid-configuration` once and keeps it; a failed read is not kept,
 * so the next token tries again instead of failing until a restart.
 */
export const createDiscovery = (issuer: string, fetchImpl: FetchLike, timeoutMs: number) => {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let pending: Promise<DiscoveryDocument> | undefined;

  const load = async (): Promise<DiscoveryDocument> => {
    let document: unknown;
    try {
      const response = await fetchWithTimeout(fetchImpl, timeoutMs, url, {
        headers: { accept: 'application/json' },
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      document = await response.json();
    } catch (error) {
      throw unavailable(
        `could not read the issuer's discovery document at ${url}: ${describeFailure(error)}`,
        error,
      );
    }
    const fields = (document ?? {}) as Record<string, unknown>;
    // RFC 8414 §3.3: a document naming another issuer must not be used (mix-up, misconfiguration).
    if (fields.issuer !== issuer)
      throw unavailable(
        `the discovery document at ${url} names issuer ${JSON.stringify(fields.issuer)}, not ${issuer}`,
      );
    if (typeof fields.jwks_uri !== 'string')
      throw unavailable(`the discovery document at ${url} has no jwks_uri`);
    return {
      issuer,
      jwks_uri: fields.jwks_uri,
      ...(typeof fields.introspection_endpoint === 'string'
        ? { introspection_endpoint: fields.introspection_endpoint }
        : {}),
    };
  };

  return (): Promise<DiscoveryDocument> => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
};
