/**
 * The token lifecycle events Tessera records in its outbox (tables/events.ts) and delivers to
 * webhooks and Shared Signals receivers. One entry per event type: its `data`. Payloads carry ids,
 * kinds, subjects, audiences and times — never a token string or a secret — and are JSON as
 * written here (times as ISO 8601 strings, `exp` in epoch seconds as in a JWT).
 */

/** Which kind of token an event names. */
export type EventTokenKind =
  /** A personal access token (`tok_…`). */
  | 'personal'
  /** A resource access token (`tok_…`). */
  | 'resource'
  /** A JWT access token, named by its `jti`. */
  | 'jwt'
  /** An opaque token of the OAuth token store, named by the HMAC of its id (never the token). */
  | 'opaque';

/** The token an event is about. */
export type EventToken = {
  /** `tok_…` for PAT/RAT, the `jti` of a JWT, the hashed id of an opaque token. The stream key. */
  id: string;
  kind: EventTokenKind;
  /** A JWT's `jti`; null for others. */
  jti: string | null;
  /** Who the token speaks for (`usr_…`, `bot_…`, a client's own id), when known. */
  subject: string | null;
  /** The OAuth client it was issued to; null for PAT/RAT. */
  client: string | null;
  /** API resource identifiers the token is good for (`aud`). */
  audience: string[];
  /** Expiry in epoch seconds; null: never expires. */
  exp: number | null;
  /** PAT/RAT only: their name. */
  name?: string;
  /** RAT only: `type/id` of the resource the token works on. */
  resource?: string | null;
};

/** Who a notice is for: the owner of a PAT, the maintainers (and owners) of a RAT's resource. */
export type EventRecipient = { subject: string; username: string | null; email: string | null };

/** Why a token stopped working. */
export type RevocationReason =
  /** Someone revoked it (console, /v1, CLI, RFC 7009). */
  | 'revoked'
  /** Its resource was deleted. */
  | 'resource_deleted'
  /** It was reported leaked (POST /leaked-tokens). */
  | 'leaked'
  /** The idle-token policy disabled it. */
  | 'idle';

export type EventPayloads = {
  'token.created': { token: EventToken; createdBy: string; createdAt: string };
  'token.revoked': { token: EventToken; reason: RevocationReason; revokedBy: string; revokedAt: string };
  /** The token's string was replaced; the old string stopped working at `rotatedAt`. */
  'token.rotated': { token: EventToken; rotatedBy: string; rotatedAt: string };
  /** Sent once per threshold (e.g. 30, 7 and 1 days before `expiresAt`). */
  'token.expiring': {
    token: EventToken;
    expiresAt: string;
    /** The threshold this notice is for. */
    days: number;
    recipients: EventRecipient[];
  };
  'token.expired': { token: EventToken; expiredAt: string; recipients: EventRecipient[] };
  /** The idle-token policy will disable the token at `disableAt` unless it is used before. */
  'token.idle': {
    token: EventToken;
    lastUsedAt: string | null;
    disableAt: string;
    recipients: EventRecipient[];
  };
  /** Someone reported the token found in public; it has been revoked. */
  'token.leaked': {
    token: EventToken;
    url: string | null;
    source: string;
    reportedAt: string;
    recipients: EventRecipient[];
  };
  /** A subscription's "send test event": delivered to that subscription only. */
  'webhook.test': { subscription: string; message: string };
};

export type EventType = keyof EventPayloads;

export const EVENT_TYPES = [
  'token.created',
  'token.revoked',
  'token.rotated',
  'token.expiring',
  'token.expired',
  'token.idle',
  'token.leaked',
  'webhook.test',
] as const satisfies readonly EventType[];

export const isEventType = (value: unknown): value is EventType =>
  typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);

/** An event to record: its type, its ordering key and its data. */
export type TesseraEvent = {
  [T in EventType]: { type: T; streamKey: string; data: EventPayloads[T] };
}[EventType];
