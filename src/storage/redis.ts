import type { ClusterOptions, RedisOptions } from 'ioredis';
import { Cluster, Redis } from 'ioredis';
import type { RedisConfig } from '../config/redis-url.ts';
import { AppError } from '../errors.ts';

/**
 * One ioredis client for the three topologies REDIS_URL can name. The defaults favour failing a
 * request over hanging it: while Redis is unreachable a command is retried over two reconnection
 * attempts and then rejected, so /token answers an error within a second instead of queueing
 * forever; a command that gets no reply at all times out.
 */
export type RedisClient = Redis | Cluster;

export type CreateRedisOptions = {
  /** Shown in CLIENT LIST, so an operator can tell Tessera's connections apart. */
  connectionName?: string;
  /** Reconnection attempts a command waits through before it fails. */
  maxRetriesPerRequest?: number;
  /** Milliseconds a command waits for its reply. */
  commandTimeout?: number;
  /** Milliseconds to establish a connection. */
  connectTimeout?: number;
  /** Receives connection errors (ioredis emits them as events; unhandled, they are only printed). */
  onError?: (error: Error) => void;
};

const DEFAULTS = {
  connectionName: 'tessera',
  maxRetriesPerRequest: 2,
  commandTimeout: 5_000,
  connectTimeout: 5_000,
};

export const createRedis = (config: RedisConfig, options: CreateRedisOptions = {}): RedisClient => {
  const settings = { ...DEFAULTS, ...options };
  const perNode = {
    connectionName: settings.connectionName,
    maxRetriesPerRequest: settings.maxRetriesPerRequest,
    commandTimeout: settings.commandTimeout,
    connectTimeout: settings.connectTimeout,
  };
  // Commands issued while (re)connecting wait for the connection, bounded by maxRetriesPerRequest.
  const queueing = { enableOfflineQueue: true, lazyConnect: false };
  const common: RedisOptions = { ...perNode, ...queueing };

  let client: RedisClient;
  if (config.mode === 'standalone') {
    // The URL carries host, port, credentials, db and TLS (rediss://).
    client = new Redis(config.url, common);
  } else if (config.mode === 'sentinel') {
    client = new Redis({
      ...common,
      sentinels: config.sentinels,
      name: config.name,
      db: config.db,
      // The URL's credentials are the data nodes'; Sentinels are commonly left without auth, and
      // sending AUTH to a Sentinel without a password fails the connection.
      username: config.username,
      password: config.password,
      ...(config.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    });
  } else {
    const clusterOptions: ClusterOptions = {
      ...queueing,
      redisOptions: {
        ...perNode,
        username: config.username,
        password: config.password,
        ...(config.tls ? { tls: {} } : {}),
      },
    };
    client = new Cluster(config.nodes, clusterOptions);
  }

  if (options.onError) client.on('error', options.onError);
  return client;
};

/**
 * For /readyz: resolves with the round-trip time of a PING answered within `timeoutMs`, and
 * rejects with a 503 AppError otherwise.
 */
export const pingRedis = async (redis: RedisClient, timeoutMs = 1_000): Promise<number> => {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no PONG within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
    return Math.round(performance.now() - started);
  } catch (error) {
    throw new AppError('storage_unavailable', `Redis is unavailable: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
};
