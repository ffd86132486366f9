import { z } from 'zod';
import type { SealedBox } from '../../crypto/sealed-box.ts';
import { randomToken } from '../../crypto/random.ts';
import { forbidden, invalidInput, notFound } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { WebhookSubscriptionRow } from '../../storage/tables/webhook-subscriptions.ts';
import { type Actor, actorScopes } from '../actors.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { EVENT_TYPES } from '../events/event-types.ts';
import { recordEvent } from '../events/record-event.ts';
import { parseInput } from '../validation.ts';
import type { DeliveryView, WebhookInput, WebhookService, WebhookView } from './webhook.ts';
import { generateWebhookSecret } from './webhook-signature.ts';
import { parseWebhookUrl, type WebhookUrlPolicy } from './webhook-url.ts';

/**
 * Webhook subscriptions, for administrators (scope `admin`): they see every token's events. The
 * signing secret is generated here, shown once, and stored sealed (it must be read back to sign).
 */
export type WebhookServiceDeps = {
  repositories: Repositories;
  secrets: SealedBox;
  urlPolicy: WebhookUrlPolicy;
  now?: () => Date;
};

/** What a subscription may ask for: every event but `webhook.test`, which goes to one subscription on demand. */
export const SUBSCRIBABLE_EVENT_TYPES = EVENT_TYPES.filter((type) => type !== 'webhook.test');

const eventTypes = z
  .array(z.enum(SUBSCRIBABLE_EVENT_TYPES as [string, ...string[]]), {
    message: `must be a list of event types: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}`,
  })
  .min(1, 'must name at least one event type')
  .transform((types) => [...new Set(types)].sort());
const description = z.string().max(200, 'must be at most 200 characters');
const enabled = z.boolean({ message: 'must be true or false' });

const ID = /^whk_[A-Za-z0-9_-]{1,64}$/;

const viewOf = (row: WebhookSubscriptionRow): WebhookView => ({
  id: row.id,
  url: row.url,
  eventTypes: row.eventTypes,
  description: row.description,
  enabled: row.enabled,
  createdBy: row.createdBy,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const requireAdmin = (actor: Actor) => {
  if (!actorScopes(actor).includes('admin')) {
    throw forbidden('webhooks are for administrators (scope admin): they see every token event');
  }
};

export const createWebhookService = (deps: WebhookServiceDeps): WebhookService => {
  const { repositories } = deps;
  const now = deps.now ?? (() => new Date());

  const find = async (id: string) => {
    const row = ID.test(id) ? await repositories.webhookSubscriptions.findById(id) : undefined;
    if (!row) throw notFound(`no webhook ${id}`);
    return row;
  };

  return {
    async create(actor, input: WebhookInput) {
      requireAdmin(actor);
      const url = parseWebhookUrl(input.url, deps.urlPolicy);
      const types = parseInput(eventTypes, input.eventTypes, 'eventTypes');
      const text = parseInput(description, input.description ?? '', 'description');
      const on = parseInput(enabled, input.enabled ?? true, 'enabled');
      const secret = generateWebhookSecret();
      const at = now();
      const row = await repositories.transaction(async (tx) => {
        const inserted = await tx.webhookSubscriptions.insert({
          id: `whk_${randomToken(12)}`,
          url,
          eventTypes: types,
          description: text,
          sealedSecret: deps.secrets.seal(secret),
          enabled: on,
          createdBy: actor.id,
          createdAt: at,
        });
        await recordAudit(tx, actor, {
          action: 'webhook.create',
          target: { type: 'webhook', id: inserted.id },
          details: { url, eventTypes: types },
        });
        return inserted;
      });
      return { webhook: viewOf(row), secret };
    },

    async list(actor) {
      requireAdmin(actor);
      return (await repositories.webhookSubscriptions.list()).map(viewOf);
    },

    async get(actor, id) {
      requireAdmin(actor);
      return viewOf(await find(id));
    },

    async update(actor, id, input) {
      requireAdmin(actor);
      await find(id);
      const changes = {
        ...(input.url !== undefined ? { url: parseWebhookUrl(input.url, deps.urlPolicy) } : {}),
        ...(input.eventTypes !== undefined
          ? { eventTypes: parseInput(eventTypes, input.eventTypes, 'eventTypes') }
          : {}),
        ...(input.description !== undefined
          ? { description: parseInput(description, input.description, 'description') }
          : {}),
        ...(input.enabled !== undefined ? { enabled: parseInput(enabled, input.enabled, 'enabled') } : {}),
      };
      if (Object.keys(changes).length === 0) {
        throw invalidInput('nothing to change: give url, eventTypes, description or enabled');
      }
      const row = await repositories.transaction(async (tx) => {
        const updated = await tx.webhookSubscriptions.update(id, { ...changes, updatedAt: now() });
        if (!updated) throw notFound(`no webhook ${id}`);
        await recordAudit(tx, actor, {
          action: 'webhook.update',
          target: { type: 'webhook', id },
          details: { changed: Object.keys(changes) },
        });
        return updated;
      });
      return viewOf(row);
    },

    async rotateSecret(actor, id) {
      requireAdmin(actor);
      await find(id);
      const secret = generateWebhookSecret();
      const row = await repositories.transaction(async (tx) => {
        const updated = await tx.webhookSubscriptions.update(id, {
          sealedSecret: deps.secrets.seal(secret),
          updatedAt: now(),
        });
        if (!updated) throw notFound(`no webhook ${id}`);
        await recordAudit(tx, actor, { action: 'webhook.rotate_secret', target: { type: 'webhook', id } });
        return updated;
      });
      return { webhook: viewOf(row), secret };
    },

    async remove(actor, id) {
      requireAdmin(actor);
      await repositories.transaction(async (tx) => {
        if (!ID.test(id) || !(await tx.webhookSubscriptions.delete(id))) throw notFound(`no webhook ${id}`);
        await recordAudit(tx, actor, { action: 'webhook.delete', target: { type: 'webhook', id } });
      });
    },

    async deliveries(actor, id, options = {}) {
      requireAdmin(actor);
      await find(id);
      const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
      if (options.before !== undefined && !/^\d{1,18}$/.test(options.before)) {
        throw invalidInput('before must be a delivery id', 'before');
      }
      const rows = await repositories.webhookDeliveries.log(id, {
        limit,
        ...(options.before ? { before: options.before } : {}),
      });
      return rows.map((row): DeliveryView => ({
        id: row.id,
        eventId: row.eventId,
        eventType: row.eventType,
        streamKey: row.streamKey,
        state: row.state,
        attempts: row.attempts,
        createdAt: row.createdAt,
        nextAttemptAt: row.nextAttemptAt,
        finishedAt: row.finishedAt,
        lastAttempt: row.lastAttemptAt
          ? {
              at: row.lastAttemptAt,
              status: row.lastStatus,
              latencyMs: row.lastLatencyMs ?? 0,
              error: row.lastError,
            }
          : null,
      }));
    },

    async sendTest(actor, id) {
      requireAdmin(actor);
      await find(id);
      const at = now();
      const event = await repositories.transaction(async (tx) => {
        const recorded = await recordEvent(
          tx,
          {
            type: 'webhook.test',
            streamKey: id,
            data: {
              subscription: id,
              message: 'A test event from Tessera: your endpoint receives webhooks.',
            },
          },
          at,
        );
        await tx.webhookDeliveries.enqueueForSubscription(id, recorded);
        await recordAudit(tx, actor, { action: 'webhook.test', target: { type: 'webhook', id } });
        return recorded;
      });
      return { eventId: event.id };
    },
  };
};
