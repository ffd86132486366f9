import type { ClusterOptions, RedisOptions } from 'ioredis';
import { Cluster, Redis } from 'ioredis';
import type { RedisConfig } from '../config/redis-url.ts';
import { AppError } from '../errors.ts';
import type { ConnectionState } from './connection-state.ts';

/**
 * One ioredis client for the three topologies REDIS_URL can name, set to fail fast: while Redis is
 * unreachable a command is rejected at once (no offline queue once connected, no retry, no resend
 * after a reconnection — a second attempt is the caller's to make), a command without a reply
 * fails after `commandTimeout`, and a connection that stops answering is dropped after
 * `socketTimeout`, so a blackholed link is noticed as quickly as a refused one. Requests then get
 * a 503 in milliseconds instead of waiting out a queue.
 */
export type RedisClient = Redis | Cluster;

export type CreateRedisOptions = {
  /** Shown in CLIENT LIST, so an operator can tell Tessera's connections apart. */
  connectionName?: string;
  /** Milliseconds a command waits for its reply. */
  commandTimeout?: number;
  /** Milliseconds to establish a connection. */
  connectTimeout?: number;
  /** Receives connection errors (ioredis emits them as events; unhandled, they are printed raw). */
  onError?: (error: Error) => void;
  /** Told when the connection comes up or goes down, once per change. */
  state?: ConnectionState;
};

const DEFAULTS = {
  connectionName: 'tessera',
  commandTimeout: 200,
  connectTimeout: 250,
};

/**
 * Commands issued while the event loop handles one batch of I/O (every request parsed in that
 * turn) go to Redis in one write, and their replies come back in one read: one system call pair
 * per turn instead of one per command. On one core that is a third of the CPU an opaque token or
 * an introspection costs (bench/README.md, issue 16). A command waits at most until the end of the
 * turn it was issued in; replies, errors and timeouts are still each command's own.
 */
const AUTO_PIPELINING = true;

/** Reconnect soon and keep trying: a store that comes back is used again within half a second. */
const RECONNECT_DELAY_MS = (attempt: number) => Math.min(50 * attempt, 500);

/**
 * Commands issued before the first connection wait for it (startup, a CLI command); once
 * connected, the offline queue is off for good, so a command issued while disconnected fails at
 * once. ioredis reads the option on every command.
 */
const failFastOnceReady = (client: RedisClient) => {
  client.once('ready', () => {
    client.options.enableOfflineQueue = false;
  });
};

/**
 * Feeds `state` from a client's events. The socket error that precedes a 'close' says why
 * (ECONNREFUSED, ETIMEDOUT…); a server that shut down cleanly just closes.
 */
export const watchRedis = (
  client: RedisClient,
  state: ConnectionState | undefined,
  onError?: (error: Error) => void,
) => {
  let lastError: Error | undefined;
  // Every client needs an 'error' listener: without one ioredis prints each error to stderr.
  client.on('error', (error: Error) => {
    lastError = error;
    onError?.(error);
  });
  if (!state) return;
  client.on('ready', () => {
    lastError = undefined;
    state.connected();
  });
  const down = () => state.disconnected(lastError ?? 'ECONNCLOSED');
  client.on('close', down);
  client.on('end', down);
  if (client instanceof Cluster) client.on('node error', (error: Error) => (lastError = error));
};

export const createRedis = (config: RedisConfig, options: CreateRedisOptions = {}): RedisClient => {
  const settings = { ...DEFAULTS, ...options };
  const perNode = {
    connectionName: settings.connectionName,
    commandTimeout: settings.commandTimeout,
    connectTimeout: settings.connectTimeout,
    // Slightly above the command timeout: a connection with commands but no reply is dead.
    socketTimeout: settings.commandTimeout + 100,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    disconnectTimeout: 0,
    enableAutoPipelining: AUTO_PIPELINING,
  };
  const common: RedisOptions = { ...perNode, retryStrategy: RECONNECT_DELAY_MS, lazyConnect: false };

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
      sentinelRetryStrategy: RECONNECT_DELAY_MS,
      ...(config.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    });
  } else {
    const clusterOptions: ClusterOptions = {
      enableAutoPipelining: AUTO_PIPELINING,
      // A command for a slot whose master is unreachable fails at once rather than waiting for a
      // failover: the client retries, after its Retry-After, against the promoted replica.
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      retryDelayOnTryAgain: 50,
      maxRedirections: 6,
      clusterRetryStrategy: RECONNECT_DELAY_MS,
      slotsRefreshTimeout: 500,
      redisOptions: {
        ...perNode,
        username: config.username,
        password: config.password,
        ...(config.tls ? { tls: {} } : {}),
      },
    };
    client = new Cluster(config.nodes, clusterOptions);
  }
  failFastOnceReady(client);
  watchRedis(client, options.state, options.onError ?? (() => {}));
  return client;
};

/** Another connection like `redis` (a subscriber), failing fast and watched the same way. */
export const duplicateRedis = (redis: RedisClient, onError: (error: Error) => void): RedisClient => {
  // Narrowed by hand: the two duplicate() signatures do not unify into one callable union.
  const copy: RedisClient = redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
  copy.options.enableOfflineQueue = true;
  failFastOnceReady(copy);
  watchRedis(copy, undefined, onError);
  return copy;
};

const withTimeout = async <T>(work: Promise<T>, timeoutMs: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no PONG within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * On a Cluster, every master must answer: a master that is down leaves its slots unserved until
 * a replica takes over, and that partial outage is what /readyz must report. The answer names the
 * slot ranges (not the hosts: /readyz is unauthenticated).
 */
const pingClusterMasters = async (cluster: Cluster, timeoutMs: number) => {
  try {
    await pingSlotMasters(cluster, timeoutMs);
  } catch (error) {
    // The slot map may predate a failover that already happened: ask the cluster, then look again.
    await withTimeout(
      new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve())),
      timeoutMs,
    ).catch(() => {});
    if (!cluster.slots.length) throw error;
    await pingSlotMasters(cluster, timeoutMs);
  }
};

const pingSlotMasters = async (cluster: Cluster, timeoutMs: number) => {
  // The masters the slot map names, not only the connected ones: ioredis drops a node whose
  // connection ended from its list, while its slots still point at it until a failover.
  const connected = new Map(
    cluster.nodes('all').map((node) => [`${node.options.host}:${node.options.port}`, node]),
  );
  const masters = new Set(cluster.slots.map((nodes) => nodes?.[0]).filter((key) => key !== undefined));
  const failed = await Promise.all(
    [...masters].map(async (key) => {
      const node = connected.get(key);
      try {
        if (!node) throw new Error('not connected');
        await withTimeout(node.ping(), timeoutMs);
        return undefined;
      } catch {
        return key;
      }
    }),
  );
  const down = new Set(failed.filter((key) => key !== undefined));
  if (masters.size > 0 && down.size === 0) return;
  const ranges = slotRangesServedBy(cluster, down);
  throw new AppError(
    'storage_unavailable',
    masters.size === 0
      ? 'Redis Cluster: no master reachable'
      : `Redis Cluster: ${down.size} of ${masters.size} masters unreachable (slots ${ranges || 'unknown'})`,
  );
};

/** "0-5460,10923-16383": the slots whose master is one of `addresses`. */
const slotRangesServedBy = (cluster: Cluster, addresses: Set<string>): string => {
  const ranges: string[] = [];
  let start = -1;
  cluster.slots.forEach((nodes, slot) => {
    const inside = addresses.has(nodes?.[0] ?? '');
    if (inside && start < 0) start = slot;
    if (!inside && start >= 0) {
      ranges.push(start === slot - 1 ? `${start}` : `${start}-${slot - 1}`);
      start = -1;
    }
  });
  if (start >= 0) ranges.push(`${start}-${cluster.slots.length - 1}`);
  return ranges.join(',');
};

/**
 * For /readyz: resolves with the round-trip time of a PING answered within `timeoutMs` (on a
 * Cluster, by every master), and rejects with a 503 AppError otherwise.
 */
export const pingRedis = async (redis: RedisClient, timeoutMs = 1_000): Promise<number> => {
  const started = performance.now();
  try {
    if (redis instanceof Cluster) await pingClusterMasters(redis, timeoutMs);
    else await withTimeout(redis.ping(), timeoutMs);
    return Math.round(performance.now() - started);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('storage_unavailable', `Redis is unavailable: ${(error as Error).message}`, {
      cause: error,
    });
  }
};
