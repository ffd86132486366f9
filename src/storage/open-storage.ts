import type { Cluster, Redis } from 'ioredis';
import type { Config } from '../config/load-config.ts';
import { createPepperHash } from '../crypto/pepper-hash.ts';
import { createSealedBox } from '../crypto/sealed-box.ts';
import {
  type AttemptCounters,
  createMemoryAttemptCounters,
  createRedisAttemptCounters,
} from './attempt-counters.ts';
import { type ChangeBus, createLocalChangeBus, createRedisChangeBus } from './change-bus.ts';
import { type ConnectionTransition, createConnectionState } from './connection-state.ts';
import { createDatabase, type Database } from './database.ts';
import { migrateLatest } from './migrate.ts';
import type { OidcAdapterFactory } from './oidc-adapter/contract.ts';
import { createRedisAdapterFactory } from './oidc-adapter/redis-adapter.ts';
import { createSqlAdapterFactory } from './oidc-adapter/sql-adapter.ts';
import { createRedis, pingRedis } from './redis.ts';
import { createRepositories, type Repositories } from './repositories.ts';
import { createRevocationList, type Revocation, type RevocationList } from './revocations/revocation-list.ts';

export type Storage = {
  database: Database;
  redis: Redis | Cluster | undefined;
  changes: ChangeBus;
  repositories: Repositories;
  /**
   * Every revocation, recorded in Postgres; the server follows it in memory (`start`), and every
   * token check consults it whatever Redis answers.
   */
  revocations: RevocationList;
  /** The key under which the token store knows an id (an HMAC), as revocations name it. */
  hashTokenStoreId: (id: string) => string;
  /** Where oidc-provider keeps tokens, grants and sessions: Redis when configured, else SQL. */
  tokenStore: OidcAdapterFactory;
  /**
   * The oidc-provider models that must outlive a Redis flush (registration access tokens): the
   * SQL model store in both profiles, keyed by the ids' hashes like the token store.
   */
  durableModels: OidcAdapterFactory;
  /** Rate-limit counters: shared through Redis when configured, else this process's memory. */
  attemptCounters: AttemptCounters;
  /** Deletes expired token-store rows now and then (Redis expires its keys itself). Returns a stop function. */
  startExpirySweep(intervalMs: number): () => void;
  /** For /readyz: each store, checked on its own so a partial outage says which part is down. */
  readiness: { name: string; check: () => Promise<void> }[];
  close(): Promise<void>;
};

/**
 * Opens the records database (PGlite in the data directory, or PostgreSQL), migrates it when asked,
 * and the token store and change bus on Redis when REDIS_URL is set.
 */
export const openStorage = async (
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'redis' | 'redisPrefix'>,
  options: {
    pepper: string;
    migrate: boolean;
    /**
     * Serving requests: fail fast while a store is unreachable, and tell each connection state
     * change, once (the server logs it). Without it (the CLI) timeouts are patient.
     */
    failFast?: { onConnectionChange: (transition: ConnectionTransition) => void };
    /** Hears the revocations this process committed (metrics). */
    onRevocations?: (revocations: readonly Revocation[]) => void;
  },
): Promise<Storage> => {
  const { failFast } = options;
  if (options.migrate && config.databaseUrl) {
    // Migrations run on a connection of their own with patient timeouts: a slow start or a long
    // DDL statement must not fail them, while the serving connections below fail fast.
    const migrating = await createDatabase({ databaseUrl: config.databaseUrl });
    try {
      await migrateLatest(migrating.knex);
    } finally {
      await migrating.close();
    }
  }
  const database = await createDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    failFast: failFast && { state: createConnectionState('postgres', failFast.onConnectionChange) },
  });
  try {
    if (options.migrate && !config.databaseUrl) await migrateLatest(database.knex);
  } catch (error) {
    await database.close();
    throw error;
  }
  const redis = config.redis
    ? createRedis(
        config.redis,
        failFast
          ? { state: createConnectionState('redis', failFast.onConnectionChange) }
          : { commandTimeout: 5_000, connectTimeout: 5_000 },
      )
    : undefined;
  const changes = redis
    ? createRedisChangeBus(redis, `${config.redisPrefix}changes:`)
    : createLocalChangeBus();
  const repositories = createRepositories(database.knex);
  const revocations = createRevocationList({
    repositories,
    changes,
    onAnnounce: options.onRevocations,
  });
  const pingDatabase = async () => void (await database.knex.raw('select 1'));
  const hashId = createPepperHash(options.pepper, 'oidc-id').digest;
  const sealedBox = createSealedBox(options.pepper, 'oidc-payload');
  const sqlModels = createSqlAdapterFactory({ knex: database.knex, hashId, sealedBox });
  const sqlTokenStore = redis ? undefined : sqlModels;
  const tokenStore = redis
    ? createRedisAdapterFactory({ redis, keyPrefix: config.redisPrefix, hashId, sealedBox, revocations })
    : (sqlTokenStore as OidcAdapterFactory);

  return {
    database,
    redis,
    changes,
    repositories,
    revocations,
    hashTokenStoreId: hashId,
    tokenStore,
    durableModels: sqlModels,
    attemptCounters: redis
      ? createRedisAttemptCounters(redis, config.redisPrefix)
      : createMemoryAttemptCounters(),
    startExpirySweep: (intervalMs) => sqlTokenStore?.startExpirySweep(intervalMs) ?? (() => {}),
    readiness: [
      { name: 'database', check: pingDatabase },
      ...(redis ? [{ name: 'redis', check: async () => void (await pingRedis(redis)) }] : []),
    ],
    async close() {
      await revocations.stop();
      await changes.close();
      redis?.disconnect();
      await database.close();
    },
  };
};
