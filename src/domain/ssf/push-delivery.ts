import type { SealedBox } from '../../crypto/sealed-box.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { SsfQueueRow } from '../../storage/tables/ssf-queue.ts';
import type { SsfStreamRow } from '../../storage/tables/ssf-streams.ts';

/**
 * RFC 8935 push delivery: each due SET of a push stream is POSTed to the receiver as
 * `application/secevent+jwt`; a 202 (or 200) acknowledges it, anything else (an error status, a
 * refused connection, a timeout) schedules a retry with exponential backoff, 1 s doubling up to
 * an hour, retried until acknowledged (or the stream is disabled or deleted). SETs are claimed
 * with a lease (SKIP LOCKED while claiming), so with several instances each is being sent by one
 * of them, no transaction stays open while a receiver answers, and a later SET of a stream never
 * overtakes an earlier one waiting for its retry.
 */
export type PushSend = (request: {
  url: string;
  set: string;
  authorization: string | undefined;
}) => Promise<{ status: number } | { error: string }>;

export type PushDeliveryDeps = {
  repositories: Repositories;
  sealedBox: SealedBox;
  /** Signs a queued SET for its stream (iss, aud, jti, iat added). */
  sign: (stream: SsfStreamRow, row: SsfQueueRow) => Promise<string>;
  send: PushSend;
  now?: () => Date;
};

const BATCH = 50;
const MAX_BACKOFF_MS = 3_600_000;

export const backoffMs = (attempts: number): number => Math.min(1000 * 2 ** attempts, MAX_BACKOFF_MS);

/** Longer than a batch of sends can take: a lease that runs out means its sender died. */
const LEASE_MS = 5 * 60_000;

/** Delivers what is due now; returns how many SETs were acknowledged. */
export const deliverDuePushes = async (deps: PushDeliveryDeps): Promise<number> => {
  const now = deps.now ?? (() => new Date());
  const { repositories } = deps;
  const due = await repositories.ssfQueue.claimDuePushes({
    now: now(),
    leaseUntil: new Date(now().getTime() + LEASE_MS),
    limit: BATCH,
  });
  const streams = new Map<string, SsfStreamRow | undefined>();
  /** Stream → when its failed SET is tried again: its later SETs wait until then too. */
  const failed = new Map<string, Date>();
  let acknowledged = 0;
  for (const row of due) {
    const retryAt = failed.get(row.streamId);
    if (retryAt) {
      await repositories.ssfQueue.reschedulePush(row.id, retryAt);
      continue;
    }
    if (!streams.has(row.streamId))
      streams.set(row.streamId, await repositories.ssfStreams.find(row.streamId));
    const stream = streams.get(row.streamId);
    if (!stream?.endpointUrl) continue; // deleted meanwhile: its rows went with it
    const authorization = stream.pushAuthorization
      ? deps.sealedBox.open(stream.pushAuthorization)
      : undefined;
    const result = await deps.send({
      url: stream.endpointUrl,
      set: await deps.sign(stream, row),
      authorization,
    });
    if ('status' in result && (result.status === 202 || result.status === 200)) {
      acknowledged += await repositories.ssfQueue.ack(stream.id, [row.jti], now());
      continue;
    }
    const nextAttemptAt = new Date(now().getTime() + backoffMs(row.attempts));
    failed.set(row.streamId, nextAttemptAt);
    await repositories.ssfQueue.recordPushFailure(row.id, {
      error: 'status' in result ? `HTTP ${result.status}` : result.error,
      nextAttemptAt,
    });
  }
  return acknowledged;
};
