/**
 * The identifiers of the Shared Signals Framework (OpenID SSF 1.0) and CAEP that Tessera speaks
 * as a transmitter, and its own event type for a revoked token.
 */
export const DELIVERY_PUSH = 'urn:ietf:rfc:8935';
export const DELIVERY_POLL = 'urn:ietf:rfc:8936';
export const DELIVERY_METHODS = [DELIVERY_PUSH, DELIVERY_POLL] as const;

/** CAEP: the session (here: the token) named in `sub_id` was revoked. */
export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/**
 * Tessera's own event: a token was revoked, with what an API needs to refuse it offline (its id,
 * `jti`, subject, client, audience and `exp`).
 */
export const TOKEN_REVOKED = 'urn:tessera:secevent:token-revoked';
/** SSF: the answer to a receiver's verification request. */
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
/** SSF: the transmitter changed the stream's status. */
export const STREAM_UPDATED = 'https://schemas.openid.net/secevent/ssf/event-type/stream-updated';

/** What a receiver may request; verification and stream-updated are always delivered. */
export const EVENTS_SUPPORTED = [TOKEN_REVOKED, SESSION_REVOKED] as const;

/** The management API scope a receiver's client needs for the stream endpoints. */
export const SSF_SCOPE = 'ssf';

export type StreamStatus = 'enabled' | 'paused' | 'disabled';
export const STREAM_STATUSES: readonly StreamStatus[] = ['enabled', 'paused', 'disabled'];
