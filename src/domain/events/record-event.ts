import type { Repositories } from '../../storage/repositories.ts';
import type { EventRow } from '../../storage/tables/events.ts';
import type { TesseraEvent } from './event-types.ts';

/**
 * The event outbox: how Tessera tells the outside world (webhooks, Shared Signals) what happened
 * to a token. Every event is recorded in the SAME transaction as the change it reports, so an
 * event exists exactly when its change does — a rolled-back revocation sends nothing, a committed
 * one is never lost. Nothing is sent from inside the transaction; consumers pick events up after
 * the commit.
 *
 * How to record (inside the caller's `repositories.transaction`):
 *
 *     await repositories.transaction(async (tx) => {
 *       …the change…
 *       await recordEvent(tx, { type: 'token.revoked', streamKey: token.id, data: {…} }, at);
 *     });
 *
 * `type` and `data` are typed by `EventPayloads` (event-types.ts); `streamKey` is the ordering
 * key — the token's id (`EventToken.id`) for token events — and consumers keep the events of one
 * key in order. `eventTokenOf*` (event-token.ts) build the `token` part of a payload.
 *
 * How to consume:
 * - Webhooks: recording an event also queues one delivery per subscription that wants its type
 *   (tables/webhook-deliveries.ts), in the same transaction; the dispatcher sends them.
 * - Any other follower (e.g. a Shared Signals transmitter) reads the table with
 *   `repositories.events.listSince(horizon)`, starting from `repositories.events.currentHorizon()`
 *   and keeping the returned horizon for the next read; rows may repeat across reads, so it
 *   dedupes by `id` (the global order), or it queues its own deliveries here, next to the
 *   webhook fan-out.
 *
 * `webhook.test` events are recorded for one subscription only (webhook-service.ts), not here.
 */
export const recordEvent = async (tx: Repositories, event: TesseraEvent, at: Date): Promise<EventRow> => {
  const row = await tx.events.insert({
    type: event.type,
    streamKey: event.streamKey,
    data: event.data as unknown as Record<string, unknown>,
    createdAt: at,
  });
  if (event.type !== 'webhook.test') await tx.webhookDeliveries.enqueueForSubscribers(row);
  return row;
};
