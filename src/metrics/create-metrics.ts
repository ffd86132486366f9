import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { createBoundCounter, createBoundHistogram } from './bound-series.ts';

/**
 * Every metric Tessera exports, in one registry that the composition root makes and hands to the
 * parts that count (never a global: two servers in one process, as the tests run them, keep
 * their own counts). Names and labels are the contract of deploy/prometheus/alerts.yml and
 * deploy/grafana/tessera.json; test/integration/ops/metrics.test.ts checks both against a scrape.
 *
 * What the request path touches is bound once to its labels (bound-series.ts): a request costs
 * a few additions, no label string. Every label takes values from a small closed set (a route template, a grant, an API resource
 * identifier, a store name), never a raw path, a client id or a token.
 */
export type StoreName = 'redis' | 'postgres';
export type IntrospectionResult = 'active' | 'inactive' | 'error';

/** Latency buckets in seconds: sub-millisecond hot paths up to the 5 s a patient call may take. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export type SigningKeyInfo = { kid: string; alg: string; createdAt: number };

export const createMetrics = () => {
  const registry = new Registry();
  const registers = [registry];
  let signingKeys: () => readonly SigningKeyInfo[] = () => [];
  let readiness: () => Promise<boolean> = async () => false;

  const metrics = {
    registry,
    httpRequests: createBoundCounter({
      name: 'tessera_http_requests_total',
      help: 'HTTP requests answered, by route template, method and status code.',
      registry,
    }),
    httpDuration: createBoundHistogram({
      name: 'tessera_http_request_duration_seconds',
      help: 'Time from a request to its response written, by route template, method and status code.',
      buckets: LATENCY_BUCKETS,
      registry,
    }),
    tokensIssued: createBoundCounter({
      name: 'tessera_tokens_issued_total',
      help: 'Access tokens issued at /token, by grant, format (jwt, opaque) and API (audience).',
      registry,
    }),
    introspections: createBoundCounter({
      name: 'tessera_introspections_total',
      help: 'Introspection requests, by result: active, inactive, or error (an OAuth error or 503).',
      registry,
    }),
    revocations: new Counter({
      name: 'tessera_revocations_total',
      help: 'Revocation records this instance committed to Postgres, by kind (jwt, opaque, client, grant, consumed, access_token, token_hash).',
      labelNames: ['kind'] as const,
      registers,
    }),
    cacheHits: createBoundCounter({
      name: 'tessera_cache_hits_total',
      help: 'In-process cache lookups answered from memory, by cache.',
      registry,
    }),
    cacheMisses: createBoundCounter({
      name: 'tessera_cache_misses_total',
      help: 'In-process cache lookups that had to load, by cache.',
      registry,
    }),
    storeCommandDuration: createBoundHistogram({
      name: 'tessera_store_command_duration_seconds',
      help: 'Time of a Redis command or a Postgres query, by store.',
      buckets: STORE_BUCKETS,
      registry,
    }),
    storeCommandErrors: createBoundCounter({
      name: 'tessera_store_command_errors_total',
      help: 'Redis commands and Postgres queries that failed (including those refused while the store is down), by store.',
      registry,
    }),
    storeConnected: new Gauge({
      name: 'tessera_store_connected',
      aggregator: 'min',
      help: '1 while the store answers, 0 while it is unreachable (for postgres: the breaker is open), by store.',
      labelNames: ['store'] as const,
      registers,
    }),
    storeDisconnects: new Counter({
      name: 'tessera_store_disconnects_total',
      help: 'Times a store became unreachable, by store.',
      labelNames: ['store'] as const,
      registers,
    }),
    signingKeyAge: new Gauge({
      name: 'tessera_signing_key_age_seconds',
      aggregator: 'max',
      help: 'Seconds since the creation of each key that signs now, by kid and algorithm.',
      labelNames: ['kid', 'alg'] as const,
      registers,
      collect() {
        // Read at scrape time: a rotation shows at the next scrape, with no timer of its own.
        this.reset();
        const now = Date.now() / 1000;
        for (const key of signingKeys()) this.set({ kid: key.kid, alg: key.alg }, now - key.createdAt);
      },
    }),
    ready: new Gauge({
      name: 'tessera_ready',
      aggregator: 'min',
      help: '1 when /readyz would answer 200 (every store and the signing keys usable, not draining), else 0.',
      registers,
      async collect() {
        this.set((await readiness()) ? 1 : 0);
      },
    }),
    /** What `tessera_ready` asks at each scrape: the readiness checks of /readyz. */
    watchReadiness(source: () => Promise<boolean>) {
      readiness = source;
    },
    /** Where the signing key ages come from: the key ring, once the server has one. */
    watchSigningKeys(source: () => readonly SigningKeyInfo[]) {
      signingKeys = source;
    },
    /** Node's own: CPU, memory, event loop lag, GC, handles. Only for a server that is scraped. */
    collectRuntime() {
      collectDefaultMetrics({ register: registry });
    },
  };
  return metrics;
};

export type Metrics = ReturnType<typeof createMetrics>;
