import type { Knex } from 'knex';
import { AppError, isStorageOutage, OUTAGE_RETRY_AFTER_SECONDS } from '../errors.ts';
import type { ConnectionState } from './connection-state.ts';

/** How often a probe asks an unreachable server whether it is back. */
const PROBE_INTERVAL_MS = 250;

/**
 * A breaker in front of knex's pool. A failure that says PostgreSQL is unreachable (refused,
 * timed out, terminated: isStorageOutage) opens it; while it is open every query fails at once with
 * `storage_unavailable` instead of each waiting out a connect or query timeout, and a probe on its
 * own connection asks every 250 ms whether the server is back; its first answer closes the breaker.
 * Returns a function that stops the probe.
 *
 * It wraps knex's `acquireConnection`, the one door every query and transaction goes through.
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
  instance.on('query-error', noticeFailure);
  instance.on('query-response', () => state.connected());
  return () => {
    stopped = true;
    clearTimeout(probing);
  };
};
