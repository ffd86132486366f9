import type { Command } from 'commander';
import type { DeliveryView, WebhookView } from '../../domain/webhooks/webhook.ts';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../domain/webhooks/webhook-service.ts';
import { invalidInput } from '../../errors.ts';
import type { CommandContext } from '../command-context.ts';
import { type Json, printFields, printJson, printTable } from '../output.ts';

/** `tessera webhooks …`: subscriptions to token events, their delivery log and test events. */
const FLAGS = {
  url: '--url',
  eventTypes: '--events',
  description: '--description',
  enabled: '--enable/--disable',
  limit: '--limit',
};

type CreatedJson = { webhook: Json<WebhookView>; secret: string };

const events = (value: string | undefined) =>
  value === undefined ? undefined : value.split(/[\s,]+/).filter((type) => type.length > 0);

const toJson = (webhook: Json<WebhookView>) => ({
  id: webhook.id,
  url: webhook.url,
  event_types: webhook.eventTypes,
  description: webhook.description,
  enabled: webhook.enabled,
  created_by: webhook.createdBy,
  created_at: webhook.createdAt,
  updated_at: webhook.updatedAt,
});

const show = (webhook: Json<WebhookView>) =>
  printFields({
    id: webhook.id,
    url: webhook.url,
    events: webhook.eventTypes,
    description: webhook.description || '-',
    enabled: webhook.enabled ? 'yes' : 'no',
    created: webhook.createdAt,
  });

const showSecret = (created: CreatedJson, json: boolean) => {
  if (json) {
    printJson({ ...toJson(created.webhook), secret: created.secret });
    return;
  }
  show(created.webhook);
  process.stdout.write(
    `\nsecret: ${created.secret}\n\nStore the secret now: it is shown only once. Receivers verify webhook-signature with it.\n`,
  );
};

export const registerWebhookCommands = (program: Command, context: CommandContext): void => {
  const group = program
    .command('webhooks')
    .description('webhook subscriptions: token events POSTed to a URL, signed (Standard Webhooks)');

  group
    .command('create')
    .description('subscribe a URL to token events; prints the signing secret once')
    .requiredOption('--url <url>', 'https URL of the receiver')
    .requiredOption('--events <types>', `comma-separated event types: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}`)
    .option('--description <text>', 'what the receiver is')
    .option('--disable', 'create it disabled (events queue until it is enabled)')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const created = (await context.admin('webhooks.create', {
          url: options.url,
          eventTypes: events(options.events),
          description: options.description,
          enabled: options.disable ? false : undefined,
        })) as CreatedJson;
        showSecret(created, options.json);
      }),
    );

  group
    .command('list')
    .description('list webhook subscriptions')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const webhooks = (await context.admin('webhooks.list', undefined)) as Json<WebhookView>[];
        if (options.json) printJson(webhooks.map(toJson));
        else printTable(webhooks, ['id', 'url', 'eventTypes', 'enabled']);
      }),
    );

  group
    .command('show')
    .description('show one subscription (never its secret)')
    .argument('<id>', 'the webhook id (whk_…)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) =>
      context.run(FLAGS, async () => {
        const webhook = (await context.admin('webhooks.get', { id })) as Json<WebhookView>;
        if (options.json) printJson(toJson(webhook));
        else show(webhook);
      }),
    );

  group
    .command('update')
    .description('change the URL, events, description, or enable/disable it')
    .argument('<id>', 'the webhook id (whk_…)')
    .option('--url <url>', 'https URL of the receiver')
    .option('--events <types>', 'comma-separated event types')
    .option('--description <text>', 'what the receiver is')
    .option('--enable', 'send events (and the backlog queued while disabled)')
    .option('--disable', 'stop sending; events keep queueing')
    .option('--json', 'print JSON')
    .action(async (id: string, options) =>
      context.run(FLAGS, async () => {
        if (options.enable && options.disable) {
          throw invalidInput('give --enable or --disable, not both', 'enabled');
        }
        const webhook = (await context.admin('webhooks.update', {
          id,
          url: options.url,
          eventTypes: events(options.events),
          description: options.description,
          enabled: options.enable ? true : options.disable ? false : undefined,
        })) as Json<WebhookView>;
        if (options.json) printJson(toJson(webhook));
        else show(webhook);
      }),
    );

  group
    .command('rotate-secret')
    .description('replace the signing secret; prints the new one once')
    .argument('<id>', 'the webhook id (whk_…)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) =>
      context.run(FLAGS, async () => {
        showSecret((await context.admin('webhooks.rotate-secret', { id })) as CreatedJson, options.json);
      }),
    );

  group
    .command('delete')
    .description('delete a subscription with its queue and delivery log')
    .argument('<id>', 'the webhook id (whk_…)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) =>
      context.run(FLAGS, async () => {
        await context.admin('webhooks.delete', { id });
        if (options.json) printJson({ deleted: id });
        else process.stdout.write(`deleted webhook ${id}\n`);
      }),
    );

  group
    .command('deliveries')
    .description('the delivery log: recent events, their state and last attempt')
    .argument('<id>', 'the webhook id (whk_…)')
    .option('--limit <n>', 'at most this many, newest first (1-200)', '50')
    .option('--json', 'print JSON')
    .action(async (id: string, options) =>
      context.run(FLAGS, async () => {
        if (!/^\d{1,3}$/.test(options.limit) || Number(options.limit) < 1 || Number(options.limit) > 200) {
          throw invalidInput('--limit must be a whole number from 1 to 200', 'limit');
        }
        const log = (await context.admin('webhooks.deliveries', {
          id,
          limit: Number(options.limit),
        })) as (Json<DeliveryView> & {
          lastAttempt: { at: string; status: number | null; latencyMs: number; error: string | null } | null;
        })[];
        if (options.json) printJson(log);
        else
          printTable(
            log.map((delivery) => ({
              ...delivery,
              status: delivery.lastAttempt?.status ?? delivery.lastAttempt?.error ?? null,
              latencyMs: delivery.lastAttempt?.latencyMs ?? null,
              lastAttempt: delivery.lastAttempt?.at ?? null,
            })),
            ['eventId', 'eventType', 'streamKey', 'state', 'attempts', 'lastAttempt', 'status', 'latencyMs'],
          );
      }),
    );

  group
    .command('test')
    .description('queue a webhook.test event for this subscription; see `deliveries` for the result')
    .argument('<id>', 'the webhook id (whk_…)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) =>
      context.run(FLAGS, async () => {
        const { eventId } = (await context.admin('webhooks.test', { id })) as { eventId: string };
        if (options.json) printJson({ event_id: eventId });
        else process.stdout.write(`queued test event ${eventId} for ${id}\n`);
      }),
    );
};
