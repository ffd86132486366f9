import type { SealedBox } from '../../crypto/sealed-box.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { EventRow } from '../../storage/tables/events.ts';
import type { ClaimedDelivery, DeliveryOutcome } from '../../storage/tables/webhook-deliveries.ts';
import type { WebhookSubscriptionRow } from '../../storage/tables/webhook-subscriptions.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from './retry-schedule.ts';
import { webhookBody, webhookMessageId } from './webhook-payload.ts';
import type { WebhookSend } from './webhook-sender.ts';
import { webhookHeaders } from './webhook-signature.ts';

/**
 * Sends queued webhook deliveries (tables/webhook-deliveries.ts). Every instance runs one; they
 * share the queue in Postgres:
 *
 * - at least once: a delivery stays pending until an attempt succeeds (2xx), is retried with
 *   backoff (retry-schedule.ts) and is given up only after `deadLetterMs`;
 * - one instance at a time: a worker claims due deliveries with FOR UPDATE SKIP LOCKED and a lease
 *   of `timeoutMs` plus a margin; an instance that dies mid-send leaves a lease that runs out, and
 *   another instance retries;
 * - in order per subscription and stream key (a token): only the oldest pending delivery of each
 *   is claimable, so a later event waits while an earlier one is retried.
 *
 * `now` is injectable: what is due, the backoff and the dead-letter age all follow it.
 */
export type WebhookDispatcherDeps = {
  repositories: Repositories;
  /** Opens subscriptions' sealed secrets. */
  secrets: SealedBox;
  send: WebhookSend;
  now?: () => Date;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  /** Deliveries claimed per round. */
  batchSize?: number;
  pollMs?: number;
  /** Events (with their deliveries and log) older than this are deleted, hourly. */
  retentionMs?: number;
  onError?: (error: unknown) => void;
};

export type WebhookDispatcher = {
  /** One round: claims what is due, sends it, records the attempts; resolves with how many it sent. */
  runOnce(): Promise<number>;
  start(): void;
  /** Stops polling and waits for the round in progress. */
  stop(): Promise<void>;
};

const LEASE_MARGIN_MS = 30_000;
const SWEEP_EVERY_MS = 60 * 60_000;
/** While Postgres is down, polls slow down to this, so an outage is not a log line a second. */
const MAX_ERROR_BACKOFF_MS = 30_000;

export const createWebhookDispatcher = (deps: WebhookDispatcherDeps): WebhookDispatcher => {
  const now = deps.now ?? (() => new Date());
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...deps.retry };
  const random = deps.random ?? Math.random;
  const batchSize = deps.batchSize ?? 20;
  const pollMs = deps.pollMs ?? 1_000;
  const onError = deps.onError ?? (() => {});
  const { repositories } = deps;

  const deliver = async (
    delivery: ClaimedDelivery,
    event: EventRow | undefined,
    subscription: WebhookSubscriptionRow | undefined,
  ): Promise<void> => {
    if (!event || !subscription) {
      await repositories.webhookDeliveries.release(delivery.id);
      return;
    }
    const attemptedAt = now();
    const secret = deps.secrets.open(subscription.sealedSecret);
    const body = webhookBody(event);
    const result = secret
      ? await deps.send({
          url: subscription.url,
          headers: webhookHeaders(
            secret,
            webhookMessageId(event),
            Math.floor(attemptedAt.getTime() / 1000),
            body,
          ),
          body,
          timeoutMs,
        })
      : {
          status: null,
          latencyMs: 0,
          error: 'the signing secret cannot be opened (was the pepper changed?)',
        };
    const succeeded = result.status !== null && result.status >= 200 && result.status < 300;
    const firstAttemptAt = delivery.firstAttemptAt ?? attemptedAt;
    const givenUp = !succeeded && attemptedAt.getTime() - firstAttemptAt.getTime() >= retry.deadLetterMs;
    const outcome: DeliveryOutcome = {
      attemptedAt,
      status: result.status,
      latencyMs: result.latencyMs,
      error: succeeded ? null : (result.error ?? `answered ${result.status}`),
      state: succeeded ? 'delivered' : givenUp ? 'dead' : 'pending',
      nextAttemptAt:
        succeeded || givenUp
          ? attemptedAt
          : new Date(attemptedAt.getTime() + retryDelayMs(retry, delivery.attempts + 1, random)),
    };
    await repositories.transaction((tx) => tx.webhookDeliveries.recordAttempt(delivery, outcome));
  };

  const runOnce = async (): Promise<number> => {
    const at = now();
    const claimed = await repositories.webhookDeliveries.claimDue({
      now: at,
      leaseUntil: new Date(at.getTime() + timeoutMs + LEASE_MARGIN_MS),
      limit: batchSize,
    });
    if (claimed.length === 0) return 0;
    const events = new Map<string, EventRow>();
    for (const id of new Set(claimed.map((delivery) => delivery.eventId))) {
      const event = await repositories.events.findById(id);
      if (event) events.set(id, event);
    }
    const subscriptions = new Map(
      (
        await repositories.webhookSubscriptions.findByIds([...new Set(claimed.map((d) => d.subscriptionId))])
      ).map((row) => [row.id, row]),
    );
    // Claimed deliveries belong to distinct streams (one per stream is claimable), so they go out together.
    const results = await Promise.allSettled(
      claimed.map((delivery) =>
        deliver(delivery, events.get(delivery.eventId), subscriptions.get(delivery.subscriptionId)),
      ),
    );
    for (const result of results) if (result.status === 'rejected') onError(result.reason);
    return claimed.length;
  };

  const retentionMs = deps.retentionMs ?? 30 * 86_400_000;
  let lastSweep = 0;
  /** Old events go, and their deliveries and attempts with them (ON DELETE CASCADE). */
  const sweep = async () => {
    const at = now().getTime();
    if (at - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = at;
    await repositories.events.deleteBefore(new Date(at - retentionMs));
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = true;
  let failures = 0;
  const loop = () => {
    running = sweep()
      .then(runOnce)
      .then(
        (count) => {
          failures = 0;
          return count;
        },
        (error: unknown) => {
          failures += 1;
          onError(error);
          return -1;
        },
      )
      .then((count) => {
        if (stopped) return;
        // A full batch: more is probably due; a failure: wait longer each time; else the next poll.
        const wait =
          count >= batchSize
            ? 0
            : count < 0
              ? Math.min(MAX_ERROR_BACKOFF_MS, pollMs * 2 ** failures)
              : pollMs;
        timer = setTimeout(loop, wait);
        timer.unref();
      });
  };

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
};
