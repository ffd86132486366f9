import type { CacheStats } from '../cache/cached-lookup.ts';
import type { Revocation } from '../storage/revocations/revocation-list.ts';
import type { IntrospectionResult, Metrics } from './create-metrics.ts';

/**
 * The counters the request path bumps, bound to their labels once at start: a lookup or an
 * introspection then costs one `inc()`, with no label string built per request.
 */
export type CacheName = 'clients' | 'api_resources' | 'client_credentials';

export const cacheStats = (
  metrics: Pick<Metrics, 'cacheHits' | 'cacheMisses'>,
  cache: CacheName,
): CacheStats => {
  const hits = metrics.cacheHits.bind({ cache });
  const misses = metrics.cacheMisses.bind({ cache });
  return { hit: () => hits.inc(), miss: () => misses.inc() };
};

export const introspectionCounter = (metrics: Pick<Metrics, 'introspections'>) => {
  const series = {
    active: metrics.introspections.bind({ result: 'active' }),
    inactive: metrics.introspections.bind({ result: 'inactive' }),
    error: metrics.introspections.bind({ result: 'error' }),
  };
  return (result: IntrospectionResult) => series[result].inc();
};

/** Revocations are rare next to token checks: labelled as they come. */
export const countRevocations = (
  metrics: Pick<Metrics, 'revocations'>,
  revocations: readonly Revocation[],
): void => {
  for (const revocation of revocations) metrics.revocations.inc({ kind: revocation.kind });
};
