import type { Knex } from 'knex';

/**
 * All SQL for `webhook_deliveries` and `webhook_attempts`: the queue of events to send to each
 * subscription and the log of every HTTP attempt. Times come from the caller's clock, so a test's
 * fake clock decides what is due.
 */
export type DeliveryState = 'pending' | 'delivered' | 'dead';

/** A delivery a worker has claimed: the event to send and where. */
export type ClaimedDelivery = {
  id: string;
  subscriptionId: string;
  eventId: string;
  streamKey: string;
  attempts: number;
  firstAttemptAt: Date | null;
};

export type DeliveryOutcome = {
  attemptedAt: Date;
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** What the delivery becomes: delivered, dead (given up), or pending again at `nextAttemptAt`. */
  state: DeliveryState;
  nextAttemptAt: Date;
};

export type DeliveryLogRow = {
  id: string;
  eventId: string;
  eventType: string;
  streamKey: string;
  state: DeliveryState;
  attempts: number;
  createdAt: Date;
  nextAttemptAt: Date | null;
  finishedAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
};

const DELIVERIES = 'webhook_deliveries';
const ATTEMPTS = 'webhook_attempts';

/**
 * Queues `event` for every subscription that wants its type: run in the transaction that records
 * the event, so the delivery exists exactly when the event does. A disabled subscription queues
 * too (it is paused): enabling it sends the backlog.
 */
export const enqueueForSubscribers = async (
  knex: Knex,
  event: { id: string; type: string; streamKey: string; createdAt: Date },
): Promise<number> => {
  const result = (await knex.raw(
    `insert into ${DELIVERIES} (subscription_id, event_id, stream_key, next_attempt_at, created_at)
     select id, ?, ?, ?, ? from webhook_subscriptions where ? = any(event_types)
     returning id`,
    [event.id, event.streamKey, event.createdAt, event.createdAt, event.type],
  )) as { rows: unknown[] };
  return result.rows.length;
};

/** Queues `event` for one subscription (a "send test event"). */
export const enqueueForSubscription = async (
  knex: Knex,
  subscriptionId: string,
  event: { id: string; streamKey: string; createdAt: Date },
): Promise<void> => {
  await knex(DELIVERIES).insert({
    subscription_id: subscriptionId,
    event_id: event.id,
    stream_key: event.streamKey,
    next_attempt_at: event.createdAt,
    created_at: event.createdAt,
  });
};

/**
 * Claims up to `limit` due deliveries until `leaseUntil`: pending, due, not leased by a live
 * worker, of an enabled subscription, and the oldest pending one of their subscription and stream key (so a token's events go
 * out in order, and a later one waits while an earlier one is retried). SKIP LOCKED lets workers
 * on several instances claim at once without waiting for or doubling each other.
 */
export const claimDueDeliveries = async (
  knex: Knex,
  options: { now: Date; leaseUntil: Date; limit: number },
): Promise<ClaimedDelivery[]> => {
  const result = (await knex.raw(
    `update ${DELIVERIES} set leased_until = ?
     where id in (
       select d.id from ${DELIVERIES} d
       where d.state = 'pending' and d.next_attempt_at <= ?
         and (d.leased_until is null or d.leased_until <= ?)
         and exists (select 1 from webhook_subscriptions s where s.id = d.subscription_id and s.enabled)
         and not exists (
           select 1 from ${DELIVERIES} o
           where o.subscription_id = d.subscription_id and o.stream_key = d.stream_key
             and o.state = 'pending' and o.id < d.id)
       order by d.id
       limit ?
       for update skip locked)
     and state = 'pending' and (leased_until is null or leased_until <= ?)
     returning id, subscription_id, event_id, stream_key, attempts, first_attempt_at`,
    [options.leaseUntil, options.now, options.now, options.limit, options.now],
  )) as {
    rows: {
      id: string | number;
      subscription_id: string;
      event_id: string | number;
      stream_key: string;
      attempts: number;
      first_attempt_at: Date | null;
    }[];
  };
  return result.rows
    .map((row) => ({
      id: String(row.id),
      subscriptionId: row.subscription_id,
      eventId: String(row.event_id),
      streamKey: row.stream_key,
      attempts: row.attempts,
      firstAttemptAt: row.first_attempt_at,
    }))
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
};

/** Logs one attempt and moves the delivery on; only the worker holding the lease calls it. */
export const recordDeliveryAttempt = async (
  knex: Knex,
  delivery: Pick<ClaimedDelivery, 'id' | 'subscriptionId'>,
  outcome: DeliveryOutcome,
): Promise<void> => {
  await knex(ATTEMPTS).insert({
    delivery_id: delivery.id,
    subscription_id: delivery.subscriptionId,
    attempted_at: outcome.attemptedAt,
    status: outcome.status,
    latency_ms: outcome.latencyMs,
    error: outcome.error,
  });
  await knex(DELIVERIES)
    .where('id', delivery.id)
    .update({
      state: outcome.state,
      attempts: knex.raw('attempts + 1'),
      first_attempt_at: knex.raw('coalesce(first_attempt_at, ?)', [outcome.attemptedAt]),
      next_attempt_at: outcome.nextAttemptAt,
      leased_until: null,
      finished_at: outcome.state === 'pending' ? null : outcome.attemptedAt,
    });
};

/** Gives a claimed delivery back without an attempt (the worker is stopping, the event vanished). */
export const releaseDelivery = async (knex: Knex, id: string): Promise<void> => {
  await knex(DELIVERIES).where('id', id).update({ leased_until: null });
};

/** The subscription's most recent deliveries, each with its last attempt. */
export const listDeliveryLog = async (
  knex: Knex,
  subscriptionId: string,
  options: { limit: number; before?: string },
): Promise<DeliveryLogRow[]> => {
  const result = (await knex.raw(
    `select d.id, d.event_id, e.type as event_type, d.stream_key, d.state, d.attempts, d.created_at,
            d.next_attempt_at, d.finished_at,
            a.attempted_at as last_attempt_at, a.status as last_status, a.latency_ms as last_latency_ms,
            a.error as last_error
     from ${DELIVERIES} d
     join events e on e.id = d.event_id
     left join lateral (
       select attempted_at, status, latency_ms, error from ${ATTEMPTS}
       where delivery_id = d.id order by id desc limit 1) a on true
     where d.subscription_id = ? ${options.before ? 'and d.id < ?' : ''}
     order by d.id desc
     limit ?`,
    [subscriptionId, ...(options.before ? [options.before] : []), options.limit],
  )) as {
    rows: {
      id: string | number;
      event_id: string | number;
      event_type: string;
      stream_key: string;
      state: DeliveryState;
      attempts: number;
      created_at: Date;
      next_attempt_at: Date;
      finished_at: Date | null;
      last_attempt_at: Date | null;
      last_status: number | null;
      last_latency_ms: number | null;
      last_error: string | null;
    }[];
  };
  return result.rows.map((row) => ({
    id: String(row.id),
    eventId: String(row.event_id),
    eventType: row.event_type,
    streamKey: row.stream_key,
    state: row.state,
    attempts: row.attempts,
    createdAt: row.created_at,
    nextAttemptAt: row.state === 'pending' ? row.next_attempt_at : null,
    finishedAt: row.finished_at,
    lastAttemptAt: row.last_attempt_at,
    lastStatus: row.last_status,
    lastLatencyMs: row.last_latency_ms,
    lastError: row.last_error,
  }));
};
