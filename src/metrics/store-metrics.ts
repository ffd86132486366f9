import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type { Cluster, Redis } from 'ioredis';
import type { ConnectionTransition } from '../storage/connection-state.ts';
import type { Metrics, StoreName } from './create-metrics.ts';

/**
 * Latency and errors of every Redis command and Postgres query, and the state of each store's
 * connection (for Postgres, its breaker), fed from the clients' own hooks: the storage modules
 * are left as they are. Each command costs one clock read and one histogram observation.
 */
type StoreMetrics = Pick<
  Metrics,
  'storeCommandDuration' | 'storeCommandErrors' | 'storeConnected' | 'storeDisconnects'
>;

const secondsSince = (started: number) => (performance.now() - started) / 1000;

const seriesOf = (metrics: StoreMetrics, store: StoreName) => ({
  duration: metrics.storeCommandDuration.bind({ store }),
  errors: metrics.storeCommandErrors.bind({ store }),
});

/**
 * ioredis sends every command through the client's `sendCommand` (a Cluster's own, once per
 * command whichever node answers it), and the command carries the promise the caller awaits.
 * Commands of a pipeline or MULTI are written by the pipeline itself and are not timed one by one.
 */
export const observeRedis = (redis: Redis | Cluster, metrics: StoreMetrics): void => {
  const { duration, errors } = seriesOf(metrics, 'redis');
  const client = redis as unknown as {
    sendCommand: (command: { name: string; promise: Promise<unknown> }, ...rest: unknown[]) => unknown;
  };
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, ...rest) => {
    const started = performance.now();
    const result = send(command, ...rest);
    command.promise.then(
      () => duration.observe(secondsSince(started)),
      () => {
        // The connection handshake's CLIENT SETINFO, which servers before 7.2 refuse and ioredis
        // ignores, is not a failure anyone should be paged for.
        if (command.name !== 'client') errors.inc();
      },
    );
    return result;
  };
};

/** Queries timed from knex's own events; a query the breaker refuses (no connection) is an error too. */
export const observePostgres = (knex: Knex, metrics: StoreMetrics): void => {
  const { duration, errors } = seriesOf(metrics, 'postgres');
  const started = new Map<string, number>();
  type Query = { __knexQueryUid?: string };
  knex.on('query', (query: Query) => {
    // A query that never reports back must not grow the map without bound.
    if (started.size > 10_000) started.clear();
    if (query.__knexQueryUid) started.set(query.__knexQueryUid, performance.now());
  });
  knex.on('query-response', (_response: unknown, query: Query) => {
    const at = query.__knexQueryUid && started.get(query.__knexQueryUid);
    if (!at) return;
    started.delete(query.__knexQueryUid as string);
    duration.observe(secondsSince(at));
  });
  knex.on('query-error', (_error: unknown, query: Query) => {
    if (query.__knexQueryUid) started.delete(query.__knexQueryUid);
    errors.inc();
  });
  const client = knex.client as { acquireConnection: () => Promise<unknown> };
  const acquire = client.acquireConnection.bind(client);
  client.acquireConnection = () => {
    const acquiring = acquire();
    acquiring.catch(() => errors.inc());
    return acquiring;
  };
};

/** A connection state change (storage/connection-state.ts) as the gauge and counter of its store. */
export const observeConnectionChange = (metrics: StoreMetrics, transition: ConnectionTransition): void => {
  const connected = transition.state === 'connected';
  metrics.storeConnected.set({ store: transition.component }, connected ? 1 : 0);
  if (!connected) metrics.storeDisconnects.inc({ store: transition.component });
};
