import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Knex } from 'knex';
import {
  type AuditEventRow,
  insertAuditEvent,
  listAuditEvents,
} from '../../../src/storage/tables/audit-events.ts';
import { migratedDatabases } from './migrated-databases.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const at = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * 1000);

const record = (knex: Knex, action: string, actorId: string, targetId: string, occurredAt: Date) =>
  insertAuditEvent(knex, {
    occurredAt,
    actorType: 'subject',
    actorId,
    action,
    targetType: 'access_token',
    targetId,
  });

const actions = (rows: AuditEventRow[]) => rows.map((row) => `${row.action} ${row.targetId}`);

for (const [driver, open] of migratedDatabases()) {
  describe(`the audit_events table on ${driver}`, () => {
    it('appends an event and returns it with its id as a decimal string', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const event = await insertAuditEvent(knex, {
        occurredAt: NOW,
        actorType: 'subject',
        actorId: 'usr_alice',
        action: 'access_token.created',
        targetType: 'access_token',
        targetId: 'tok_1',
        ip: '192.0.2.1',
        userAgent: 'curl/8.0',
        details: { name: 'ci', scopes: ['groups:read-only'], expires: null, nested: { days: 30 } },
      });
      assert.match(event.id, /^[1-9][0-9]*$/);
      assert.deepEqual(event, {
        id: event.id,
        occurredAt: NOW,
        actorType: 'subject',
        actorId: 'usr_alice',
        action: 'access_token.created',
        targetType: 'access_token',
        targetId: 'tok_1',
        ip: '192.0.2.1',
        userAgent: 'curl/8.0',
        details: { name: 'ci', scopes: ['groups:read-only'], expires: null, nested: { days: 30 } },
      });
      const minimal = await insertAuditEvent(knex, {
        actorType: 'system',
        actorId: 'tessera',
        action: 'resource.deleted',
        targetType: 'resource',
        targetId: 'groups/42',
      });
      assert.ok(minimal.occurredAt instanceof Date, 'the database stamps it when the caller does not');
      assert.deepEqual([minimal.ip, minimal.userAgent, minimal.details], [null, null, {}]);
      assert.ok(BigInt(minimal.id) > BigInt(event.id));
      assert.deepEqual(await listAuditEvents(knex, { limit: 10 }), [minimal, event]);
    });

    it('lists events newest first, filtered by actor, action, target and time', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await record(knex, 'access_token.created', 'usr_alice', 'tok_1', at(0));
      await record(knex, 'access_token.created', 'usr_bob', 'tok_2', at(10));
      await record(knex, 'access_token.revoked', 'usr_alice', 'tok_1', at(20));
      await insertAuditEvent(knex, {
        occurredAt: at(30),
        actorType: 'subject',
        actorId: 'usr_alice',
        action: 'resource.deleted',
        targetType: 'resource',
        targetId: 'tok_1',
      });
      const list = async (filter: Omit<Parameters<typeof listAuditEvents>[1], 'limit'>) =>
        actions(await listAuditEvents(knex, { limit: 10, ...filter }));

      assert.deepEqual(await list({}), [
        'resource.deleted tok_1',
        'access_token.revoked tok_1',
        'access_token.created tok_2',
        'access_token.created tok_1',
      ]);
      assert.deepEqual(await list({ actorId: 'usr_bob' }), ['access_token.created tok_2']);
      assert.deepEqual(await list({ action: 'access_token.created' }), [
        'access_token.created tok_2',
        'access_token.created tok_1',
      ]);
      assert.deepEqual(await list({ targetType: 'access_token', targetId: 'tok_1' }), [
        'access_token.revoked tok_1',
        'access_token.created tok_1',
      ]);
      assert.deepEqual(
        await list({ since: at(10), until: at(30) }),
        ['access_token.revoked tok_1', 'access_token.created tok_2'],
        'since is inclusive, until exclusive',
      );
      assert.deepEqual(await list({ actorId: 'usr_nobody' }), []);
    });

    it('pages through events by id', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      for (let index = 1; index <= 5; index += 1) {
        await record(knex, 'access_token.created', 'usr_alice', `tok_${index}`, NOW);
      }
      const pages: string[][] = [];
      let before: string | undefined;
      for (;;) {
        const page = await listAuditEvents(knex, { limit: 2, before });
        if (page.length === 0) break;
        pages.push(page.map((row) => row.targetId));
        before = page.at(-1)?.id;
      }
      assert.deepEqual(pages, [['tok_5', 'tok_4'], ['tok_3', 'tok_2'], ['tok_1']]);
    });
  });
}
