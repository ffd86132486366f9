import { z } from 'zod';
import type { WebhookService } from '../../../domain/webhooks/webhook.ts';
import { apiUrl } from '../api-url.ts';
import { defineRoute, type Route } from '../define-route.ts';
import {
  createWebhookBodySchema,
  deliveriesQuerySchema,
  deliverySchema,
  presentDelivery,
  presentWebhook,
  presentWebhookWithSecret,
  updateWebhookBodySchema,
  webhookIdSchema,
  webhookSchema,
  webhookWithSecretSchema,
} from '../schemas/webhook-json.ts';

/** Webhook subscriptions: administrators only, as a subscription sees every token's events. */
const ADMIN = { scopes: ['admin'] } as const;
const TAGS = ['Webhooks'];
const idParams = z.strictObject({ id: webhookIdSchema });
const NOT_FOUND = { 404: { description: 'No such webhook.' } };

export const createWebhookRoutes = (deps: { webhooks: WebhookService; issuer: string }): Route[] => {
  const { webhooks } = deps;
  return [
    defineRoute({
      method: 'POST',
      path: '/webhooks',
      operationId: 'createWebhook',
      summary: 'Subscribe a URL to token events',
      description:
        'Events are POSTed as JSON `{type, timestamp, data}`, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`). The secret is in this response only.',
      tags: TAGS,
      auth: ADMIN,
      body: createWebhookBodySchema,
      responses: {
        201: {
          description: 'Subscribed.',
          schema: webhookWithSecretSchema,
          headers: { Location: { description: 'The URL of the new subscription.' } },
        },
      },
      handler: async ({ actor, body }) => {
        const created = await webhooks.create(actor, {
          url: body.url,
          eventTypes: body.event_types,
          description: body.description,
          enabled: body.enabled,
        });
        return {
          status: 201,
          body: presentWebhookWithSecret(created),
          headers: { Location: apiUrl(deps.issuer, 'webhooks', created.webhook.id) },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/webhooks',
      operationId: 'listWebhooks',
      summary: 'List webhook subscriptions',
      tags: TAGS,
      auth: ADMIN,
      responses: {
        200: { description: 'Every subscription.', schema: z.object({ items: z.array(webhookSchema) }) },
      },
      handler: async ({ actor }) => ({
        status: 200,
        body: { items: (await webhooks.list(actor)).map(presentWebhook) },
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/webhooks/:id',
      operationId: 'getWebhook',
      summary: 'Get a webhook subscription',
      tags: TAGS,
      auth: ADMIN,
      params: idParams,
      responses: { 200: { description: 'The subscription.', schema: webhookSchema }, ...NOT_FOUND },
      handler: async ({ actor, params }) => ({
        status: 200,
        body: presentWebhook(await webhooks.get(actor, params.id)),
      }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/webhooks/:id',
      operationId: 'updateWebhook',
      summary: 'Change a webhook subscription',
      description:
        'Any of url, event_types, description, enabled. Disabling keeps queueing; enabling sends the backlog.',
      tags: TAGS,
      auth: ADMIN,
      params: idParams,
      body: updateWebhookBodySchema,
      responses: { 200: { description: 'The changed subscription.', schema: webhookSchema }, ...NOT_FOUND },
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: presentWebhook(
          await webhooks.update(actor, params.id, {
            url: body.url,
            eventTypes: body.event_types,
            description: body.description,
            enabled: body.enabled,
          }),
        ),
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/webhooks/:id/rotate-secret',
      operationId: 'rotateWebhookSecret',
      summary: 'Replace a webhook’s signing secret',
      description: 'Requests are signed with the new secret from now on; it is in this response only.',
      tags: TAGS,
      auth: ADMIN,
      params: idParams,
      responses: { 200: { description: 'The new secret.', schema: webhookWithSecretSchema }, ...NOT_FOUND },
      handler: async ({ actor, params }) => ({
        status: 200,
        body: presentWebhookWithSecret(await webhooks.rotateSecret(actor, params.id)),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/webhooks/:id',
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook subscription',
      description: 'Its queued deliveries and delivery log go with it.',
      tags: TAGS,
      auth: ADMIN,
      params: idParams,
      responses: { 204: { description: 'Deleted.' }, ...NOT_FOUND },
      handler: async ({ actor, params }) => {
        await webhooks.remove(actor, params.id);
        return { status: 204, body: undefined };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/webhooks/:id/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'The delivery log of a webhook',
      description: 'Newest first: each event queued for the subscription, its state and its last attempt.',
      tags: TAGS,
      auth: ADMIN,
      params: idParams,
      query: deliveriesQuerySchema,
      responses: {
        200: { description: 'Deliveries.', schema: z.object({ items: z.array(deliverySchema) }) },
        ...NOT_FOUND,
      },
      handler: async ({ actor, params, query }) => ({
        status: 200,
        body: {
          items: (
            await webhooks.deliveries(actor, params.id, {
              limit: query.limit,
              ...(query.before ? { before: query.before } : {}),
            })
          ).map(presentDelivery),
        },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/webhooks/:id/test',
      operationId: 'sendWebhookTest',
      summary: 'Send a test event',
      description:
        'Queues a `webhook.test` event for this subscription only; see the delivery log for the result.',
      tags: TAGS,
      auth: ADMIN,
      params: idParams,
      responses: {
        201: { description: 'Queued.', schema: z.object({ event_id: z.string() }) },
        ...NOT_FOUND,
      },
      handler: async ({ actor, params }) => ({
        status: 201,
        body: { event_id: (await webhooks.sendTest(actor, params.id)).eventId },
      }),
    }),
  ];
};
