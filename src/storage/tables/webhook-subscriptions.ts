import type { Knex } from 'knex';

/**
 * All SQL for `webhook_subscriptions`. The signing secret is stored sealed by the caller
 * (crypto/sealed-box.ts), never in clear: it must be read back to sign, so it cannot be a hash.
 */
export type WebhookSubscriptionRow = {
  /** `whk_…` */
  id: string;
  url: string;
  eventTypes: string[];
  description: string;
  sealedSecret: string;
  enabled: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
};

export type NewWebhookSubscription = Omit<WebhookSubscriptionRow, 'createdAt' | 'updatedAt'> & {
  createdAt: Date;
};

export type WebhookSubscriptionChanges = Partial<
  Pick<WebhookSubscriptionRow, 'url' | 'eventTypes' | 'description' | 'sealedSecret' | 'enabled'>
> & { updatedAt: Date };

type Record_ = {
  id: string;
  url: string;
  event_types: string[];
  description: string;
  sealed_secret: string;
  enabled: boolean;
  created_by: string;
  created_at: Date;
  updated_at: Date;
};

const TABLE = 'webhook_subscriptions';

const rowOf = (record: Record_): WebhookSubscriptionRow => ({
  id: record.id,
  url: record.url,
  eventTypes: record.event_types,
  description: record.description,
  sealedSecret: record.sealed_secret,
  enabled: record.enabled,
  createdBy: record.created_by,
  createdAt: record.created_at,
  updatedAt: record.updated_at,
});

export const insertWebhookSubscription = async (
  knex: Knex,
  input: NewWebhookSubscription,
): Promise<WebhookSubscriptionRow> => {
  const [record] = (await knex(TABLE)
    .insert({
      id: input.id,
      url: input.url,
      event_types: input.eventTypes,
      description: input.description,
      sealed_secret: input.sealedSecret,
      enabled: input.enabled,
      created_by: input.createdBy,
      created_at: input.createdAt,
      updated_at: input.createdAt,
    })
    .returning('*')) as Record_[];
  return rowOf(record as Record_);
};

export const findWebhookSubscriptionById = async (
  knex: Knex,
  id: string,
): Promise<WebhookSubscriptionRow | undefined> => {
  const record = (await knex<Record_>(TABLE).where('id', id).first()) as Record_ | undefined;
  return record ? rowOf(record) : undefined;
};

export const findWebhookSubscriptionsByIds = async (
  knex: Knex,
  ids: readonly string[],
): Promise<WebhookSubscriptionRow[]> =>
  ids.length === 0 ? [] : ((await knex<Record_>(TABLE).whereIn('id', [...ids])) as Record_[]).map(rowOf);

export const listWebhookSubscriptions = async (knex: Knex): Promise<WebhookSubscriptionRow[]> =>
  ((await knex<Record_>(TABLE).orderBy('created_at', 'asc').orderBy('id', 'asc')) as Record_[]).map(rowOf);

export const updateWebhookSubscription = async (
  knex: Knex,
  id: string,
  changes: WebhookSubscriptionChanges,
): Promise<WebhookSubscriptionRow | undefined> => {
  const [record] = (await knex(TABLE)
    .where('id', id)
    .update({
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.eventTypes !== undefined ? { event_types: changes.eventTypes } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.sealedSecret !== undefined ? { sealed_secret: changes.sealedSecret } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      updated_at: changes.updatedAt,
    })
    .returning('*')) as Record_[];
  return record ? rowOf(record) : undefined;
};

export const deleteWebhookSubscription = async (knex: Knex, id: string): Promise<boolean> =>
  // The returned rows, not the count: PGlite's driver does not report an affected-row count.
  (await knex(TABLE).where('id', id).delete().returning('id')).length > 0;
