import { randomToken } from '../../crypto/random.ts';
import { parseWebhookUrl, type WebhookUrlPolicy } from '../webhooks/webhook-url.ts';
import type { SealedBox } from '../../crypto/sealed-box.ts';
import { invalidInput, notFound } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { EventRow } from '../../storage/tables/events.ts';
import type { SsfQueueRow } from '../../storage/tables/ssf-queue.ts';
import type { EventPayloads } from '../events/event-types.ts';
import type { SsfStreamRow } from '../../storage/tables/ssf-streams.ts';
import { securityEventsOf } from './security-event-claims.ts';
import {
  DELIVERY_POLL,
  DELIVERY_PUSH,
  EVENTS_SUPPORTED,
  STREAM_UPDATED,
  type StreamStatus,
  VERIFICATION,
} from './ssf-vocabulary.ts';

/**
 * Shared Signals streams, managed by their receivers (SSF 1.0 §8): each belongs to the OAuth client
 * that created it, and another client's stream is "not found". A stream follows the event outbox
 * from its creation on (`feed`): each `token.revoked` becomes the SETs the stream asked for, queued
 * in Postgres in the same transaction that moves the stream's cursor, so an event is queued once
 * and never skipped. Poll receivers take them (`poll`), push streams get them from push-delivery.ts.
 */
export type StreamConfiguration = {
  stream_id: string;
  iss: string;
  aud: string | string[];
  events_supported: string[];
  events_requested: string[];
  events_delivered: string[];
  delivery: { method: string; endpoint_url?: string };
  description?: string;
};

export type StreamInput = {
  events_requested?: string[] | undefined;
  delivery?:
    | { method: string; endpoint_url?: string | undefined; authorization_header?: string | undefined }
    | undefined;
  description?: string | undefined;
};

export type PollRequest = {
  ack: string[];
  maxEvents: number;
  returnImmediately: boolean;
  /** Aborted when the receiver hangs up: a long poll stops waiting. */
  signal?: AbortSignal | undefined;
};

/**
 * A subject a receiver adds or removes (RFC 9493 `opaque`): a user (`usr_…`), a client, or a token
 * (its id or `jti`) — any identifier an event names.
 */
export type StreamSubject = { format: 'opaque'; id: string };

/** Every identifier an event is about: removing any one of them removes the event. */
const subjectIdsOf = (event: EventRow): string[] => {
  if (event.type !== 'token.revoked') return [];
  const { token } = event.data as unknown as EventPayloads['token.revoked'];
  return [token.id, token.jti, token.subject, token.client].filter((id): id is string => !!id);
};

/** Removed subjects are exceptions to "all": a bound keeps one stream's list in check. */
const MAX_REMOVED_SUBJECTS = 10_000;

export type SsfService = ReturnType<typeof createSsfService>;

/** Poll receivers wait at most this long for a first event (RFC 8936 §2.4 long polling). */
const LONG_POLL_MS = 10_000;
const LONG_POLL_STEP_MS = 200;
/** Acknowledged SETs are kept this long, far beyond any re-read of the outbox. */
const ACKED_RETENTION_MS = 86_400_000;

export const createSsfService = (deps: {
  repositories: Repositories;
  issuer: string;
  /** Seals a push receiver's Authorization header at rest. */
  sealedBox: SealedBox;
  /** Where push receivers may be: public https addresses, as for webhooks (no SSRF). */
  urlPolicy: WebhookUrlPolicy;
  now?: () => Date;
}) => {
  const { repositories } = deps;
  const now = deps.now ?? (() => new Date());
  const pollUrl = (id: string) => `${deps.issuer}/ssf/poll/${id}`;
  const delivered = (requested: readonly string[]) =>
    EVENTS_SUPPORTED.filter((type) => requested.includes(type));

  const configurationOf = (row: SsfStreamRow): StreamConfiguration => ({
    stream_id: row.id,
    iss: deps.issuer,
    aud: row.aud.length === 1 ? (row.aud[0] as string) : row.aud,
    events_supported: [...EVENTS_SUPPORTED],
    events_requested: row.eventsRequested,
    events_delivered: delivered(row.eventsRequested),
    delivery:
      row.deliveryMethod === DELIVERY_POLL
        ? { method: DELIVERY_POLL, endpoint_url: pollUrl(row.id) }
        : { method: row.deliveryMethod, ...(row.endpointUrl ? { endpoint_url: row.endpointUrl } : {}) },
    ...(row.description ? { description: row.description } : {}),
  });

  const delivery = (input: StreamInput['delivery']) => {
    const method = input?.method ?? DELIVERY_POLL;
    if (method === DELIVERY_POLL)
      return { deliveryMethod: method, endpointUrl: null, pushAuthorization: null };
    if (method !== DELIVERY_PUSH) {
      throw invalidInput(
        `delivery.method must be ${DELIVERY_PUSH} (push) or ${DELIVERY_POLL} (poll)`,
        'delivery.method',
      );
    }
    if (!input?.endpoint_url) {
      throw invalidInput(
        'delivery.endpoint_url must be the receiver’s https URL for push delivery',
        'delivery.endpoint_url',
      );
    }
    const url = parseWebhookUrl(input.endpoint_url, deps.urlPolicy, 'delivery.endpoint_url');
    const authorization = input?.authorization_header;
    return {
      deliveryMethod: method,
      endpointUrl: url,
      pushAuthorization: authorization ? deps.sealedBox.seal(authorization) : null,
    };
  };

  const requestedEvents = (events: readonly string[] | undefined) => {
    const list = [...new Set(events ?? EVENTS_SUPPORTED)];
    return list;
  };

  const owned = async (clientId: string, id: string, tx: Repositories = repositories) => {
    const row = await tx.ssfStreams.find(id);
    if (!row || row.clientId !== clientId) throw notFound(`no stream ${id}`);
    return row;
  };

  /** Queues a SET that comes from no outbox event (verification, stream-updated). */
  const queueControlEvent = (
    tx: Repositories,
    streamId: string,
    type: string,
    event: Record<string, unknown>,
  ) =>
    tx.ssfQueue.enqueue([
      {
        streamId,
        jti: randomToken(16),
        eventId: null,
        eventType: type,
        claims: { sub_id: { format: 'opaque', id: streamId }, events: { [type]: event } },
      },
    ]);

  /** Outbox → this stream's queue, from its cursor on; the cursor moves in the same transaction. */
  const feed = async (streamId: string): Promise<number> =>
    repositories.transaction(async (tx) => {
      const stream = await tx.ssfStreams.lock(streamId);
      if (!stream) return 0;
      const { horizon, rows } = await tx.events.listSince(stream.horizon, { types: ['token.revoked'] });
      let queued = 0;
      // A disabled stream drops what happens meanwhile (SSF §8.1.2.1); a paused one keeps it.
      if (stream.status !== 'disabled') {
        const removed = await tx.ssfRemovedSubjects.findAmong(streamId, rows.flatMap(subjectIdsOf));
        const about = rows.filter((event) => !subjectIdsOf(event).some((id) => removed.has(id)));
        const entries = about.flatMap((event) =>
          securityEventsOf(event, stream.eventsRequested).map(({ type, claims }) => ({
            streamId,
            jti: randomToken(16),
            eventId: event.id,
            eventType: type,
            claims: claims as unknown as Record<string, unknown>,
          })),
        );
        queued = await tx.ssfQueue.enqueue(entries);
      }
      if (horizon !== stream.horizon) await tx.ssfStreams.update(streamId, { horizon });
      return queued;
    });

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  return {
    configurationOf,
    feed,

    async create(clientId: string, input: StreamInput): Promise<StreamConfiguration> {
      const row = await repositories.ssfStreams.insert({
        id: `ssf_${randomToken(12)}`,
        clientId,
        aud: [clientId],
        ...delivery(input.delivery),
        eventsRequested: requestedEvents(input.events_requested),
        description: input.description ?? null,
      });
      return configurationOf(row);
    },

    get: async (clientId: string, id: string) => configurationOf(await owned(clientId, id)),

    list: async (clientId: string) => (await repositories.ssfStreams.list({ clientId })).map(configurationOf),

    /** PATCH (only what is given changes) or PUT (`replace`: what is absent returns to its default). */
    async update(
      clientId: string,
      id: string,
      input: StreamInput,
      replace: boolean,
    ): Promise<StreamConfiguration> {
      const row = await owned(clientId, id);
      const changes = {
        ...(replace || input.delivery ? delivery(input.delivery) : {}),
        ...(replace || input.events_requested
          ? { eventsRequested: requestedEvents(input.events_requested) }
          : {}),
        ...(replace || input.description !== undefined ? { description: input.description ?? null } : {}),
      };
      const updated = await repositories.ssfStreams.update(row.id, changes);
      if (!updated) throw notFound(`no stream ${id}`);
      return configurationOf(updated);
    },

    async remove(clientId: string, id: string): Promise<void> {
      await owned(clientId, id);
      await repositories.ssfStreams.delete(id);
    },

    async status(clientId: string, id: string) {
      const row = await owned(clientId, id);
      return {
        stream_id: row.id,
        status: row.status,
        ...(row.statusReason ? { reason: row.statusReason } : {}),
      };
    },

    async setStatus(clientId: string, id: string, status: StreamStatus, reason: string | undefined) {
      return repositories.transaction(async (tx) => {
        const row = await owned(clientId, id, tx);
        const updated = await tx.ssfStreams.update(row.id, { status, statusReason: reason ?? null });
        if (row.status !== status) {
          await queueControlEvent(tx, row.id, STREAM_UPDATED, { status, ...(reason ? { reason } : {}) });
        }
        return {
          stream_id: row.id,
          status: updated?.status ?? status,
          ...(updated?.statusReason ? { reason: updated.statusReason } : {}),
        };
      });
    },

    /**
     * SSF §8.1.3: Tessera transmits about every subject (`default_subjects: ALL`); removing one
     * stops events about it on this stream, adding it again resumes them.
     */
    async removeSubject(clientId: string, id: string, subject: StreamSubject): Promise<void> {
      const row = await owned(clientId, id);
      if ((await repositories.ssfRemovedSubjects.count(row.id)) >= MAX_REMOVED_SUBJECTS) {
        throw invalidInput(`a stream can have at most ${MAX_REMOVED_SUBJECTS} removed subjects`, 'subject');
      }
      await repositories.ssfRemovedSubjects.add(row.id, subject.id);
    },

    async addSubject(clientId: string, id: string, subject: StreamSubject): Promise<void> {
      const row = await owned(clientId, id);
      await repositories.ssfRemovedSubjects.delete(row.id, subject.id);
    },

    /** Queues a verification event carrying the receiver's `state` (SSF §8.1.4). */
    async verify(clientId: string, id: string, state: string | undefined): Promise<void> {
      const row = await owned(clientId, id);
      await queueControlEvent(repositories, row.id, VERIFICATION, state === undefined ? {} : { state });
    },

    /**
     * RFC 8936: acknowledges `ack`, then returns up to `maxEvents` unacknowledged SETs (their
     * claims, to be signed by the caller) and whether more wait. Without returnImmediately it
     * waits a while for a first one.
     */
    async poll(
      clientId: string,
      id: string,
      request: PollRequest,
    ): Promise<{ sets: SsfQueueRow[]; moreAvailable: boolean }> {
      const row = await owned(clientId, id);
      if (row.deliveryMethod !== DELIVERY_POLL)
        throw invalidInput(`stream ${id} is a push stream: its events are pushed`);
      await repositories.ssfQueue.ack(row.id, request.ack, now());
      if (request.maxEvents === 0)
        return { sets: [], moreAvailable: (await repositories.ssfQueue.countPending(row.id)) > 0 };
      const deadline = Date.now() + (request.returnImmediately ? 0 : LONG_POLL_MS);
      for (;;) {
        await feed(row.id);
        const current = await repositories.ssfStreams.find(row.id);
        // A paused stream holds its events until it is enabled again.
        const pending =
          current?.status === 'enabled'
            ? await repositories.ssfQueue.listPending(row.id, request.maxEvents + 1)
            : [];
        if (pending.length > 0 || Date.now() >= deadline || request.signal?.aborted) {
          return {
            sets: pending.slice(0, request.maxEvents),
            moreAvailable: pending.length > request.maxEvents,
          };
        }
        await sleep(LONG_POLL_STEP_MS);
      }
    },

    /** Feeds every stream; forgets long-acknowledged SETs. The transmitter runs this now and then. */
    async feedAll(): Promise<number> {
      let queued = 0;
      for (const stream of await repositories.ssfStreams.list()) queued += await feed(stream.id);
      await repositories.ssfQueue.deleteAckedBefore(new Date(now().getTime() - ACKED_RETENTION_MS));
      return queued;
    },
  };
};
