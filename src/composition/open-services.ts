import { type CachedLookup, createCachedLookup } from '../cache/cached-lookup.ts';
import type { Config } from '../config/load-config.ts';
import { resolveSecrets, type Secrets } from '../config/resolve-secrets.ts';
import type { ApiResource } from '../domain/api-resources/api-resource.ts';
import { API_RESOURCES_TOPIC } from '../domain/api-resources/api-resource-service.ts';
import type { Client } from '../domain/clients/client.ts';
import { CLIENTS_TOPIC } from '../domain/clients/client-service.ts';
import { createDomain, type Domain } from '../domain/create-domain.ts';
import { loadPolicyFile } from '../domain/permissions/load-policy-file.ts';
import type { ConnectionTransition } from '../storage/connection-state.ts';
import { cacheStats, countRevocations } from '../metrics/counters.ts';
import type { Metrics } from '../metrics/create-metrics.ts';
import { observePostgres, observeRedis } from '../metrics/store-metrics.ts';
import { openStorage, type Storage } from '../storage/open-storage.ts';
import { openSigningKeys, type SigningKeys } from './signing-key-store.ts';
import { createRedisTokenEntries } from '../storage/token-entries/redis-token-entries.ts';

/**
 * Configuration → storage, the domain over it, and the caches the token endpoint reads on every
 * request: the one place that builds them, for the server (main.ts) and the CLI (cli/main.ts).
 */
export type Services = {
  secrets: Secrets;
  storage: Storage;
  domain: Domain;
  /** Where the signing keys are kept and how a server follows them. */
  signingKeys: SigningKeys;
  /** Clients and API resources, cached in process and loaded through the domain. */
  clients: CachedLookup<Client>;
  apiResources: CachedLookup<ApiResource>;
  close: () => Promise<void>;
};

export type OpenServicesOptions = {
  migrate: boolean;
  onBackgroundError?: (error: unknown) => void;
  /** The server's: fail fast while a store is unreachable, and tell each connection state change once. */
  failFast?: { onConnectionChange: (transition: ConnectionTransition) => void };
  /** The server's metrics: store latency and errors, cache hits, revocations are counted into it. */
  metrics?: Metrics;
};

/**
 * Caches of clients, API resources and permissions are invalidated by the change bus. It reaches
 * every instance through Redis, and the single embedded process through itself; only a production
 * deployment without Redis has instances that miss each other's changes, so there entries live a
 * minute. Elsewhere the lifetime only bounds a lost message, and a long one keeps 100 000 clients
 * cached under load.
 */
const cacheLifetime = (config: Config, storage: Storage) =>
  config.profile === 'production' && !storage.redis ? 60_000 : 15 * 60_000;

export const openServices = async (config: Config, options: OpenServicesOptions): Promise<Services> => {
  const secrets = resolveSecrets(config);
  const policy = config.policyFile ? loadPolicyFile(config.policyFile) : undefined;
  const { metrics } = options;
  const storage = await openStorage(config, {
    pepper: secrets.pepper,
    migrate: options.migrate,
    failFast: options.failFast,
    onRevocations: metrics && ((revocations) => countRevocations(metrics, revocations)),
  });
  if (metrics) {
    observePostgres(storage.database.knex, metrics);
    if (storage.redis) observeRedis(storage.redis, metrics);
  }
  const cacheTtlMs = cacheLifetime(config, storage);
  const signingKeys = openSigningKeys(config, storage);
  const domain = createDomain({
    signingKeys,
    cacheTtlMs,
    repositories: storage.repositories,
    changes: storage.changes,
    pepper: secrets.pepper,
    tokenEntries: storage.redis ? createRedisTokenEntries(storage.redis, config.redisPrefix) : undefined,
    revocations: storage.revocations,
    tokenStoreKey: storage.hashTokenStoreId,
    policy,
    tokenMaxLifetimeDays: config.tokenMaxLifetimeDays,
    onBackgroundError: options.onBackgroundError,
    webhooks: config.webhooks,
    outboundAllowHosts: config.outboundAllowHosts,
    notices: config.notices,
  });
  return {
    secrets,
    storage,
    domain,
    signingKeys,
    clients: createCachedLookup({
      load: domain.clients.find,
      loadMany: domain.clients.findMany,
      bus: storage.changes,
      topic: CLIENTS_TOPIC,
      ttlMs: cacheTtlMs,
      stats: metrics && cacheStats(metrics, 'clients'),
    }),
    apiResources: createCachedLookup({
      load: domain.apiResources.find,
      bus: storage.changes,
      topic: API_RESOURCES_TOPIC,
      ttlMs: cacheTtlMs,
      stats: metrics && cacheStats(metrics, 'api_resources'),
    }),
    async close() {
      await domain.lastUsed.stop();
      await storage.close();
    },
  };
};
