import type { SealedBox } from '../../crypto/sealed-box.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { SsfQueueRow } from '../../storage/tables/ssf-queue.ts';
import type { SsfStreamRow } from '../../storage/tables/ssf-streams.ts';

/**
 * RFC 8935 push delivery: each due SET of a push stream is POSTed to the receiver as
 * `application/secevent+jwt`; a 202 (or 200) acknowledges it, anything else (an error status, a
 * refused connection, a timeout) schedules a retry with exponential backoff, 1 s doubling up to
 * an hour, retried until acknowledged (or the stream is disabled or deleted). SETs are claimed
 * with SKIP LOCKED inside one transaction, so with several instances each is being sent by one
 * of them, and a later SET of a stream never overtakes an earlier one waiting for its retry.
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

/** Delivers what is due now; returns how many SETs were acknowledged. */
export const deliverDuePushes = async (deps: PushDeliveryDeps): Promise<number> => {
  const now = deps.now ?? (() => new Date());
  return deps.repositories.transaction(async (tx) => {
    const due = await tx.ssfQueue.claimDuePushes(now(), BATCH);
    const streams = new Map<string, SsfStreamRow | undefined>();
    const failed = new Set<string>();
    let acknowledged = 0;
    for (const row of due) {
      // Order per stream: once one SET of a stream fails, its later ones wait for the next round.
      if (failed.has(row.streamId)) continue;
      if (!streams.has(row.streamId)) streams.set(row.streamId, await tx.ssfStreams.find(row.streamId));
      const stream = streams.get(row.streamId);
      if (!stream?.endpointUrl) continue;
      const authorization = stream.pushAuthorization
        ? deps.sealedBox.open(stream.pushAuthorization)
        : undefined;
      const result = await deps.send({
        url: stream.endpointUrl,
        set: await deps.sign(stream, row),
        authorization,
      });
      if ('status' in result && (result.status === 202 || result.status === 200)) {
        acknowledged += await tx.ssfQueue.ack(stream.id, [row.jti], now());
        continue;
      }
      failed.add(row.streamId);
      await tx.ssfQueue.recordPushFailure(row.id, {
        error: 'status' in result ? `HTTP ${result.status}` : result.error,
        nextAttemptAt: new Date(now().getTime() + backoffMs(row.attempts)),
      });
    }
    return acknowledged;
  });
};
