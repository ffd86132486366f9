import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../../src/errors.ts';
import {
  findSubjectById,
  findUserByUsername,
  insertSubject,
  listUsers,
  setSubjectDisabled,
  updatePasswordHash,
} from '../../../src/storage/tables/subjects.ts';
import { migratedDatabases } from './migrated-databases.ts';

const isConflict = (field: string) => (error: unknown) =>
  error instanceof AppError && error.code === 'conflict' && error.status === 409 && error.field === field;

for (const [driver, open] of migratedDatabases()) {
  describe(`the subjects table on ${driver}`, () => {
    it('creates a user and a bot and finds each by id', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const alice = await insertSubject(knex, {
        id: 'usr_alice',
        kind: 'user',
        username: 'Alice',
        passwordHash: '$argon2id$hash',
        isAdmin: true,
      });
      assert.ok(alice.createdAt instanceof Date && alice.updatedAt instanceof Date);
      assert.deepEqual(alice, {
        id: 'usr_alice',
        kind: 'user',
        username: 'Alice',
        passwordHash: '$argon2id$hash',
        isAdmin: true,
        email: null,
        disabledAt: null,
        resourceType: null,
        resourceId: null,
        createdAt: alice.createdAt,
        updatedAt: alice.updatedAt,
      });
      const bot = await insertSubject(knex, {
        id: 'bot_deploy',
        kind: 'bot',
        resourceType: 'groups',
        resourceId: '42',
      });
      assert.deepEqual(bot, {
        id: 'bot_deploy',
        kind: 'bot',
        username: null,
        passwordHash: null,
        isAdmin: false,
        email: null,
        disabledAt: null,
        resourceType: 'groups',
        resourceId: '42',
        createdAt: bot.createdAt,
        updatedAt: bot.updatedAt,
      });
      assert.deepEqual(await findSubjectById(knex, 'usr_alice'), alice);
      assert.deepEqual(await findSubjectById(knex, 'bot_deploy'), bot);
      assert.equal(await findSubjectById(knex, 'usr_nobody'), undefined);
    });

    it('finds a user by username whatever its case, and never a bot', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const alice = await insertSubject(knex, { id: 'usr_alice', kind: 'user', username: 'Alice' });
      assert.deepEqual(await findUserByUsername(knex, 'alice'), alice);
      assert.deepEqual(await findUserByUsername(knex, 'ALICE'), alice);
      assert.equal(await findUserByUsername(knex, 'bob'), undefined);
      await insertSubject(knex, { id: 'bot_x', kind: 'bot', username: 'robot' });
      assert.equal(await findUserByUsername(knex, 'robot'), undefined);
    });

    it('lists users by username regardless of case, leaving bots out', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await insertSubject(knex, { id: 'usr_1', kind: 'user', username: 'carol' });
      await insertSubject(knex, { id: 'usr_2', kind: 'user', username: 'Bob' });
      await insertSubject(knex, { id: 'bot_1', kind: 'bot', resourceType: 'groups', resourceId: '1' });
      await insertSubject(knex, { id: 'usr_3', kind: 'user', username: 'alice' });
      assert.deepEqual(
        (await listUsers(knex)).map((row) => row.username),
        ['alice', 'Bob', 'carol'],
      );
    });

    it('answers a username taken in another case, or a taken id, with a conflict on that field', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await insertSubject(knex, { id: 'usr_alice', kind: 'user', username: 'alice' });
      await assert.rejects(
        insertSubject(knex, { id: 'usr_other', kind: 'user', username: 'ALICE' }),
        (error) => {
          assert.ok(isConflict('username')(error));
          assert.equal((error as AppError).message, 'A user with this username already exists');
          return true;
        },
      );
      await assert.rejects(
        insertSubject(knex, { id: 'usr_alice', kind: 'user', username: 'bob' }),
        isConflict('id'),
      );
    });

    it('rejects a subject the schema forbids', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await assert.rejects(insertSubject(knex, { id: 'svc_1', kind: 'service' as 'user' }), {
        code: '23514',
      });
      await assert.rejects(insertSubject(knex, { id: 'bot_1', kind: 'bot', resourceType: 'groups' }), {
        code: '23514',
      });
    });

    it('disables and re-enables a subject', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await insertSubject(knex, { id: 'usr_alice', kind: 'user', username: 'alice' });
      const at = new Date('2026-01-02T03:04:05.678Z');
      const disabled = await setSubjectDisabled(knex, 'usr_alice', at);
      assert.deepEqual(disabled?.disabledAt, at);
      assert.deepEqual((await findSubjectById(knex, 'usr_alice'))?.disabledAt, at);
      const enabled = await setSubjectDisabled(knex, 'usr_alice', null);
      assert.equal(enabled?.disabledAt, null);
      assert.equal(await setSubjectDisabled(knex, 'usr_nobody', at), undefined);
    });

    it('replaces a password hash, and says when there was no such subject', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await insertSubject(knex, { id: 'usr_alice', kind: 'user', username: 'alice', passwordHash: 'old' });
      assert.equal(await updatePasswordHash(knex, 'usr_alice', 'new'), true);
      assert.equal((await findSubjectById(knex, 'usr_alice'))?.passwordHash, 'new');
      assert.equal(await updatePasswordHash(knex, 'usr_nobody', 'new'), false);
    });
  });
}
