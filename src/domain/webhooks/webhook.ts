import type { DeliveryState } from '../../storage/tables/webhook-deliveries.ts';
import type { Actor } from '../actors.ts';

/** A webhook subscription as callers see it: never its secret, which is shown once. */
export type WebhookView = {
  id: string;
  url: string;
  eventTypes: string[];
  description: string;
  enabled: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
};

/** The answer to create, and to an update that rotates the secret: the secret appears here only. */
export type WebhookWithSecret = { webhook: WebhookView; secret: string };

export type WebhookInput = {
  url?: unknown;
  eventTypes?: unknown;
  description?: unknown;
  enabled?: unknown;
};

export type DeliveryView = {
  id: string;
  eventId: string;
  eventType: string;
  /** The ordering key: the token the event is about. */
  streamKey: string;
  state: DeliveryState;
  attempts: number;
  createdAt: Date;
  nextAttemptAt: Date | null;
  finishedAt: Date | null;
  lastAttempt: { at: Date; status: number | null; latencyMs: number; error: string | null } | null;
};

export type WebhookService = {
  create(actor: Actor, input: WebhookInput): Promise<WebhookWithSecret>;
  list(actor: Actor): Promise<WebhookView[]>;
  get(actor: Actor, id: string): Promise<WebhookView>;
  update(actor: Actor, id: string, input: WebhookInput): Promise<WebhookView>;
  rotateSecret(actor: Actor, id: string): Promise<WebhookWithSecret>;
  remove(actor: Actor, id: string): Promise<void>;
  deliveries(
    actor: Actor,
    id: string,
    options?: { limit?: number; before?: string },
  ): Promise<DeliveryView[]>;
  /** Queues a `webhook.test` event for this subscription only; resolves with its event id. */
  sendTest(actor: Actor, id: string): Promise<{ eventId: string }>;
};
