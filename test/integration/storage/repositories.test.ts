import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Knex } from 'knex';
import { createRepositories, type Repositories } from '../../../src/storage/repositories.ts';
import { lockForTransaction } from '../../../src/storage/tables/advisory-locks.ts';
import { migratedDatabases } from './migrated-databases.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');

const token = (id: string, name: string) => ({
  id,
  kind: 'personal' as const,
  name,
  subjectId: 'usr_alice',
  scopes: ['groups:read-only'],
  tokenHash: `hash-${id}`,
  displayHint: 'tsr_pat_…',
  expiresAt: null,
  createdBy: 'usr_alice',
});

/** What "create the token unless the name is taken" does, under the lock that makes it safe. */
const createUnlessNameTaken = async (repositories: Repositories, id: string, name: string) => {
  await repositories.locks.forTransaction(`access-token-name:personal:usr_alice:${name}`);
  const taken = await repositories.accessTokens.findActiveByName({
    kind: 'personal',
    subjectId: 'usr_alice',
    name,
    now: NOW,
  });
  if (taken) return `taken by ${taken.id}`;
  await repositories.accessTokens.insert(token(id, name));
  return 'created';
};

const counts = async (knex: Knex) => {
  const result = (await knex.raw(
    `select (select count(*) from subjects) as subjects, (select count(*) from resources) as resources,
            (select count(*) from memberships) as memberships, (select count(*) from access_tokens) as tokens,
            (select count(*) from audit_events) as events`,
  )) as { rows: Record<string, number>[] };
  return result.rows[0];
};

const databases = migratedDatabases();

for (const [driver, open] of databases) {
  describe(`the repositories on ${driver}`, () => {
    it('reach every table through one object', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const repositories = createRepositories(knex);
      await repositories.subjects.insert({ id: 'usr_alice', kind: 'user', username: 'alice' });
      await repositories.resources.upsert({
        type: 'groups',
        id: '42',
        name: 'P',
        parentType: null,
        parentId: null,
      });
      await repositories.memberships.upsert({
        subjectId: 'usr_alice',
        resourceType: 'groups',
        resourceId: '42',
        role: 'owner',
      });
      await repositories.accessTokens.insert(token('tok_1', 'ci'));
      await repositories.auditEvents.insert({
        actorType: 'subject',
        actorId: 'usr_alice',
        action: 'access_token.created',
        targetType: 'access_token',
        targetId: 'tok_1',
      });
      assert.equal((await repositories.subjects.findUserByUsername('ALICE'))?.id, 'usr_alice');
      assert.equal((await repositories.memberships.listMembers('groups', '42'))[0]?.role, 'owner');
      assert.equal((await repositories.accessTokens.findByHash('hash-tok_1'))?.id, 'tok_1');
      assert.equal((await repositories.auditEvents.list({ limit: 1 }))[0]?.targetId, 'tok_1');
      assert.equal(
        (await repositories.apiResources.findByIdentifier('urn:tessera:management'))?.name,
        'Tessera management API',
        'the management API is there from the first migration run',
      );
    });

    it('commits a transaction whose work succeeds and returns its result', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const repositories = createRepositories(knex);
      const result = await repositories.transaction(async (trx) => {
        await trx.subjects.insert({ id: 'usr_alice', kind: 'user', username: 'alice' });
        return trx.subjects.findById('usr_alice');
      });
      assert.equal(result?.username, 'alice');
      assert.deepEqual(await repositories.subjects.findById('usr_alice'), result);
    });

    it('leaves nothing behind when the work of a transaction fails', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const repositories = createRepositories(knex);
      const failure = new Error('the audit write failed');
      await assert.rejects(
        repositories.transaction(async (trx) => {
          await trx.subjects.insert({ id: 'usr_alice', kind: 'user', username: 'alice' });
          await trx.resources.upsert({
            type: 'groups',
            id: '42',
            name: 'P',
            parentType: null,
            parentId: null,
          });
          await trx.memberships.upsert({
            subjectId: 'usr_alice',
            resourceType: 'groups',
            resourceId: '42',
            role: 'owner',
          });
          await trx.accessTokens.insert(token('tok_1', 'ci'));
          await trx.auditEvents.insert({
            actorType: 'subject',
            actorId: 'usr_alice',
            action: 'access_token.created',
            targetType: 'access_token',
            targetId: 'tok_1',
          });
          throw failure;
        }),
        (error) => error === failure,
      );
      assert.deepEqual(await counts(knex), {
        subjects: 0,
        resources: 0,
        memberships: 0,
        tokens: 0,
        events: 0,
      });
    });

    it('takes an advisory lock inside a transaction, and refuses to outside one', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const repositories = createRepositories(knex);
      await repositories.subjects.insert({ id: 'usr_alice', kind: 'user', username: 'alice' });
      assert.equal(
        await repositories.transaction((trx) => createUnlessNameTaken(trx, 'tok_1', 'ci')),
        'created',
      );
      assert.equal(
        await repositories.transaction((trx) => createUnlessNameTaken(trx, 'tok_2', 'ci')),
        'taken by tok_1',
      );
      await assert.rejects(repositories.locks.forTransaction('ci'), /lockForTransaction needs a transaction/);
      await assert.rejects(lockForTransaction(knex, 'ci'), /needs a transaction/);
    });
  });
}

describe('the advisory lock on PostgreSQL', () => {
  const [, openPostgres] = databases.find(([driver]) => driver === 'PostgreSQL') ?? [];

  it('makes a second transaction wait until the first has committed', async (t) => {
    const knex = await openPostgres?.(t);
    if (!knex) return;
    const repositories = createRepositories(knex);
    await repositories.subjects.insert({ id: 'usr_alice', kind: 'user', username: 'alice' });
    // Unique per run: pg_locks is shared by every test process on the server.
    const name = `ci-${randomUUID()}`;
    const key = `access-token-name:personal:usr_alice:${name}`;

    let firstHoldsLock!: () => void;
    const lockHeld = new Promise<void>((resolve) => {
      firstHoldsLock = resolve;
    });
    let letFirstFinish!: () => void;
    const firstMayFinish = new Promise<void>((resolve) => {
      letFirstFinish = resolve;
    });

    const first = repositories.transaction(async (trx) => {
      await trx.locks.forTransaction(key);
      firstHoldsLock();
      await firstMayFinish;
      return createUnlessNameTaken(trx, 'tok_1', name);
    });
    await lockHeld;
    const second = repositories.transaction((trx) => createUnlessNameTaken(trx, 'tok_2', name));

    // Polls the server (no timer) until the second transaction is queued behind the first.
    const waiting = async () => {
      const result = (await knex.raw(
        `select count(*) as waiting from pg_locks
         where locktype = 'advisory' and not granted and objid = (hashtext(?)::bigint & 4294967295)::oid`,
        [key],
      )) as { rows: { waiting: number }[] };
      return result.rows[0]?.waiting ?? 0;
    };
    const deadline = Date.now() + 10_000;
    while ((await waiting()) === 0) {
      assert.ok(Date.now() < deadline, 'the second transaction never waited for the lock');
    }
    letFirstFinish();

    assert.deepEqual(await Promise.all([first, second]), ['created', 'taken by tok_1']);
    assert.deepEqual(
      (
        await repositories.accessTokens.list({ subjectId: 'usr_alice', state: 'active', now: NOW, limit: 10 })
      ).map((row) => row.id),
      ['tok_1'],
    );
  });
});
