import type { EventRow } from '../../storage/tables/events.ts';
import type { EventPayloads } from '../events/event-types.ts';
import { SESSION_REVOKED, TOKEN_REVOKED } from './ssf-vocabulary.ts';

/**
 * From an outbox event to the claims of the Security Event Tokens (RFC 8417) it becomes: one SET
 * per requested event type (SSF 1.0: one event per SET), each naming its subject in `sub_id`
 * (RFC 9493). `iss`, `aud`, `jti` and `iat` are added when the SET is signed. Only
 * `token.revoked` becomes a SET; every revocation path (a leak report too) records one.
 */
export type SetClaims = {
  sub_id: Record<string, unknown>;
  events: Record<string, Record<string, unknown>>;
  txn?: string;
};

const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

export const securityEventsOf = (
  event: EventRow,
  requested: readonly string[],
): { type: string; claims: SetClaims }[] => {
  if (event.type !== 'token.revoked') return [];
  const data = event.data as unknown as EventPayloads['token.revoked'];
  const { token } = data;
  const sets: { type: string; claims: SetClaims }[] = [];
  const txn = `evt_${event.id}`;
  if (requested.includes(TOKEN_REVOKED)) {
    sets.push({
      type: TOKEN_REVOKED,
      claims: {
        sub_id: { format: 'opaque', id: token.id },
        txn,
        events: {
          [TOKEN_REVOKED]: {
            token_id: token.id,
            token_kind: token.kind,
            jti: token.jti,
            subject: token.subject,
            client: token.client,
            audience: token.audience,
            exp: token.exp,
            reason: data.reason,
            event_timestamp: seconds(data.revokedAt),
          },
        },
      },
    });
  }
  if (requested.includes(SESSION_REVOKED)) {
    sets.push({
      type: SESSION_REVOKED,
      claims: {
        // The token is the session: its id (a JWT's jti) names it; its subject, the user.
        sub_id: {
          format: 'complex',
          session: { format: 'opaque', id: token.jti ?? token.id },
          ...(token.subject ? { user: { format: 'opaque', id: token.subject } } : {}),
        },
        txn,
        events: {
          [SESSION_REVOKED]: {
            event_timestamp: seconds(data.revokedAt),
            initiating_entity: data.reason === 'revoked' ? 'admin' : 'policy',
            reason_admin: { en: `token ${data.reason}` },
          },
        },
      },
    });
  }
  return sets;
};
