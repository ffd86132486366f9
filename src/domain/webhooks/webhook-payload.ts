import type { EventRow } from '../../storage/tables/events.ts';

/**
 * What a receiver gets for one event: `{ "type", "timestamp", "data" }` (the Standard Webhooks
 * payload shape) and `webhook-id: evt_<event id>`, the same on every retry and for every
 * subscription, so receivers can drop duplicates (delivery is at least once).
 */
export const webhookMessageId = (event: Pick<EventRow, 'id'>) => `evt_${event.id}`;

export const webhookBody = (event: Pick<EventRow, 'type' | 'createdAt' | 'data'>): string =>
  JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: event.data });
