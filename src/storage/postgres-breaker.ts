import type { Knex } from 'knex';
import { AppError, isStorageOutage, OUTAGE_RETRY_AFTER_SECONDS } from '../errors.ts';
import type { ConnectionState } from './connection-state.ts';
import type { ClientConstructor } from './query-guard.ts';

/** How often a probe asks an unreachable server whether it is back. */
const PROBE_INTERVAL_MS = 250;

/**
 * How long a query may go unanswered before the breaker asks whether the server is still there.
 * Short, because a paused or blackholed server answers nothing and a sent query would otherwise
 * wait for TCP to give up (minutes); harmless for a slow query, which only costs one probe.
 */
const SILENCE_MS = 250;

/** What the breaker is told of every query: the connection it runs on, and its outcome. */
export type QueryWatch = (connection: unknown, running: Promise<unknown>) => void;

/** The knex config key through which a client (and its transactions' clients) reaches the watch. */
const WATCH = 'tesseraQueryWatch';

/**
 * A knex client class that shows every query to the breaker's watch, its transactions' included
 * (knex builds a transaction's client from the class's prototype and shares the config).
 */
export const watchedClient = <Base extends ClientConstructor>(base: Base): Base =>
  class WatchedClient extends base {
    override query(connection: unknown, queryParam: unknown): Promise<unknown> {
      const running = super.query(connection, queryParam) as Promise<unknown>;
      (this.config as Record<string, QueryWatch | undefined>)[WATCH]?.(connection, running);
      return running;
    }
  };

/** pg's client keeps its socket on `connection.stream`; ending it fails the query it waits on. */
const dropConnection = (connection: unknown) => {
  const stream = (connection as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
  stream?.destroy?.();
};

/**
 * A breaker in front of knex's pool. A failure that says PostgreSQL is unreachable (refused,
 * timed out, terminated: isStorageOutage) opens it; while it is open every query fails at once with
 * `storage_unavailable` instead of each waiting out a connect or query timeout, and a probe on its
 * own connection asks every 250 ms whether the server is back; its first answer closes the breaker.
 * Returns a function that stops the probe.
 *
 * It wraps knex's `acquireConnection`, the one door every query and transaction goes through.
 * A query that goes unanswered for SILENCE_MS makes it ask, on a fresh connection, whether the
 * server still answers: when it does not (paused, blackholed), the connections waiting on it are
 * dropped, so their queries fail at once as an outage instead of after TCP's minutes, and the
 * breaker opens. The client must be a `watchedClient` class for this.
 */
export const guardWithBreaker = (
  instance: Knex,
  state: ConnectionState,
  probe: () => Promise<void>,
): (() => void) => {
  const client = instance.client as { acquireConnection: () => Promise<unknown> };
  const acquire = client.acquireConnection.bind(client);
  let probing: NodeJS.Timeout | undefined;
  let stopped = false;

  const probeUntilBack = () => {
    if (probing || stopped) return;
    probing = setTimeout(async () => {
      try {
        await probe();
        state.connected();
      } catch (error) {
        state.disconnected(error);
      }
      probing = undefined;
      if (state.isDown()) probeUntilBack();
    }, PROBE_INTERVAL_MS);
    probing.unref();
  };
  const noticeFailure = (error: unknown) => {
    if (!isStorageOutage(error)) return;
    state.disconnected(error);
    probeUntilBack();
  };

  client.acquireConnection = async () => {
    if (state.isDown()) {
      probeUntilBack();
      throw new AppError('storage_unavailable', 'PostgreSQL is unreachable', {
        retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS,
      });
    }
    try {
      return await acquire();
    } catch (error) {
      noticeFailure(error);
      throw error;
    }
  };
  // Connections whose query has gone unanswered, and the one check in flight for all of them.
  const silent = new Set<unknown>();
  let checking = false;
  const checkSilence = () => {
    if (checking) return;
    checking = true;
    probe()
      .then(
        () => silent.clear(),
        (error: unknown) => {
          for (const connection of silent) dropConnection(connection);
          silent.clear();
          // The probe's failure, whatever its words, says the server does not answer.
          state.disconnected(error);
          probeUntilBack();
        },
      )
      .finally(() => (checking = false));
  };
  const watch: QueryWatch = (connection, running) => {
    const timer = setTimeout(() => {
      silent.add(connection);
      checkSilence();
    }, SILENCE_MS);
    timer.unref();
    const settled = () => {
      clearTimeout(timer);
      silent.delete(connection);
    };
    running.then(settled, settled);
  };
  (instance.client.config as Record<string, QueryWatch | undefined>)[WATCH] = watch;

  instance.on('query-error', noticeFailure);
  instance.on('query-response', () => state.connected());
  return () => {
    stopped = true;
    clearTimeout(probing);
  };
};
