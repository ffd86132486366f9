import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { securityEventsOf } from '../../../../src/domain/ssf/security-event-claims.ts';
import { SESSION_REVOKED, TOKEN_REVOKED } from '../../../../src/domain/ssf/ssf-vocabulary.ts';
import type { EventRow } from '../../../../src/storage/tables/events.ts';

/** From an outbox event to the claims of the SETs a stream asked for. */
const revokedPat: EventRow = {
  id: '42',
  type: 'token.revoked',
  streamKey: 'tok_abc',
  createdAt: new Date('2026-12-04T10:00:00Z'),
  data: {
    token: {
      id: 'tok_abc',
      kind: 'personal',
      jti: null,
      subject: 'usr_1',
      client: null,
      audience: [],
      exp: 1_800_000_000,
      name: 'ci',
      resource: null,
    },
    reason: 'leaked',
    revokedBy: 'public',
    revokedAt: '2026-12-04T10:00:00.000Z',
  },
};

describe('security event claims', () => {
  test('a revoked PAT becomes a Tessera token-revoked SET and a CAEP session-revoked SET', () => {
    assert.deepEqual(securityEventsOf(revokedPat, [TOKEN_REVOKED, SESSION_REVOKED]), [
      {
        type: TOKEN_REVOKED,
        claims: {
          sub_id: { format: 'opaque', id: 'tok_abc' },
          txn: 'evt_42',
          events: {
            [TOKEN_REVOKED]: {
              token_id: 'tok_abc',
              token_kind: 'personal',
              jti: null,
              subject: 'usr_1',
              client: null,
              audience: [],
              exp: 1_800_000_000,
              reason: 'leaked',
              event_timestamp: 1_796_378_400,
            },
          },
        },
      },
      {
        type: SESSION_REVOKED,
        claims: {
          sub_id: {
            format: 'complex',
            session: { format: 'opaque', id: 'tok_abc' },
            user: { format: 'opaque', id: 'usr_1' },
          },
          txn: 'evt_42',
          events: {
            [SESSION_REVOKED]: {
              event_timestamp: 1_796_378_400,
              initiating_entity: 'policy',
              reason_admin: { en: 'token leaked' },
            },
          },
        },
      },
    ]);
  });

  test('only the requested event types, and nothing for other events', () => {
    assert.deepEqual(
      securityEventsOf(revokedPat, [SESSION_REVOKED]).map((set) => set.type),
      [SESSION_REVOKED],
    );
    assert.deepEqual(securityEventsOf({ ...revokedPat, type: 'token.created' }, [TOKEN_REVOKED]), []);
  });
});
