import { z } from 'zod';
import type { DeliveryView, WebhookView, WebhookWithSecret } from '../../../domain/webhooks/webhook.ts';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../../domain/webhooks/webhook-service.ts';
import { timestampSchema, toOptionalTimestamp, toTimestamp } from './timestamp.ts';

/** Webhook subscriptions and their delivery log as the management API shows them (snake_case). */

export const webhookIdSchema = z
  .string()
  .regex(/^whk_[A-Za-z0-9_-]{1,64}$/, 'must be a webhook id (whk_…)')
  .describe('A webhook subscription id, `whk_…`.');

const eventTypeSchema = z
  .enum(SUBSCRIBABLE_EVENT_TYPES as [string, ...string[]])
  .describe('A token event type; `webhook.test` is sent on demand only.');

export const webhookSchema = z.object({
  id: webhookIdSchema,
  url: z
    .string()
    .describe('Where events are POSTed: https, or http to loopback when the operator allows it.'),
  event_types: z.array(eventTypeSchema),
  description: z.string(),
  enabled: z.boolean().describe('A disabled subscription queues events and sends them once enabled again.'),
  created_by: z.string(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});

export const webhookWithSecretSchema = webhookSchema.extend({
  secret: z
    .string()
    .describe(
      'The signing secret (`whsec_…`), shown in this response only: verify `webhook-signature` with it.',
    ),
});

export const createWebhookBodySchema = z.strictObject({
  url: z.string().describe('https URL of the receiver.'),
  event_types: z.array(z.string()).describe(`Any of: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}.`),
  description: z.string().optional(),
  enabled: z.boolean().optional(),
});

export const updateWebhookBodySchema = z.strictObject({
  url: z.string().optional(),
  event_types: z.array(z.string()).optional(),
  description: z.string().optional(),
  enabled: z.boolean().optional(),
});

export const deliverySchema = z.object({
  id: z.string(),
  event_id: z.string().describe('Also the `webhook-id` header, as `evt_<event_id>`.'),
  event_type: z.string(),
  stream_key: z.string().describe('The ordering key: the token the event is about.'),
  state: z.enum(['pending', 'delivered', 'dead']).describe('`dead`: given up after the dead-letter age.'),
  attempts: z.number().int(),
  created_at: timestampSchema,
  next_attempt_at: timestampSchema.nullable(),
  finished_at: timestampSchema.nullable(),
  last_attempt: z
    .object({
      at: timestampSchema,
      status: z
        .number()
        .int()
        .nullable()
        .describe('The HTTP status; null when none came (refused, timed out).'),
      latency_ms: z.number().int(),
      error: z.string().nullable(),
    })
    .nullable(),
});

export const deliveriesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('At most this many, newest first.'),
  before: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a delivery id')
    .optional()
    .describe('Only deliveries older than this one (paging).'),
});

export const presentWebhook = (view: WebhookView): z.input<typeof webhookSchema> => ({
  id: view.id,
  url: view.url,
  event_types: view.eventTypes,
  description: view.description,
  enabled: view.enabled,
  created_by: view.createdBy,
  created_at: toTimestamp(view.createdAt),
  updated_at: toTimestamp(view.updatedAt),
});

export const presentWebhookWithSecret = (
  created: WebhookWithSecret,
): z.input<typeof webhookWithSecretSchema> => ({
  ...presentWebhook(created.webhook),
  secret: created.secret,
});

export const presentDelivery = (view: DeliveryView): z.input<typeof deliverySchema> => ({
  id: view.id,
  event_id: view.eventId,
  event_type: view.eventType,
  stream_key: view.streamKey,
  state: view.state,
  attempts: view.attempts,
  created_at: toTimestamp(view.createdAt),
  next_attempt_at: toOptionalTimestamp(view.nextAttemptAt),
  finished_at: toOptionalTimestamp(view.finishedAt),
  last_attempt: view.lastAttempt
    ? {
        at: toTimestamp(view.lastAttempt.at),
        status: view.lastAttempt.status,
        latency_ms: view.lastAttempt.latencyMs,
        error: view.lastAttempt.error,
      }
    : null,
});
