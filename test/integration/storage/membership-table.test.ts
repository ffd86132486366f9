import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Knex } from 'knex';
import { AppError } from '../../../src/errors.ts';
import {
  deleteMembership,
  findMembership,
  listMembersOfResource,
  listMembershipsOfSubject,
  upsertMembership,
} from '../../../src/storage/tables/memberships.ts';
import { deleteResource, upsertResource } from '../../../src/storage/tables/resources.ts';
import { insertSubject } from '../../../src/storage/tables/subjects.ts';
import { migratedDatabases } from './migrated-databases.ts';

/** Users alice and bob, a bot, and groups/42 with applications/7 under it. */
const seed = async (knex: Knex) => {
  await insertSubject(knex, { id: 'usr_alice', kind: 'user', username: 'alice' });
  await insertSubject(knex, { id: 'usr_bob', kind: 'user', username: 'Bob' });
  await insertSubject(knex, { id: 'bot_ci', kind: 'bot', resourceType: 'groups', resourceId: '42' });
  await upsertResource(knex, {
    type: 'groups',
    id: '42',
    name: 'Payments',
    parentType: null,
    parentId: null,
  });
  await upsertResource(knex, {
    type: 'applications',
    id: '7',
    name: 'Ledger',
    parentType: 'groups',
    parentId: '42',
  });
};

for (const [driver, open] of migratedDatabases()) {
  describe(`the memberships table on ${driver}`, () => {
    it('gives a subject a role on a resource, then changes it, telling which happened', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      const first = await upsertMembership(knex, {
        subjectId: 'usr_alice',
        resourceType: 'groups',
        resourceId: '42',
        role: 'developer',
      });
      assert.equal(first.created, true);
      assert.ok(first.row.createdAt instanceof Date && first.row.updatedAt instanceof Date);
      assert.deepEqual(first.row, {
        subjectId: 'usr_alice',
        resourceType: 'groups',
        resourceId: '42',
        role: 'developer',
        createdAt: first.row.createdAt,
        updatedAt: first.row.updatedAt,
      });
      const second = await upsertMembership(knex, {
        subjectId: 'usr_alice',
        resourceType: 'groups',
        resourceId: '42',
        role: 'owner',
      });
      assert.equal(second.created, false);
      assert.deepEqual(second.row, { ...first.row, role: 'owner', updatedAt: second.row.updatedAt });
      assert.deepEqual(await findMembership(knex, 'usr_alice', 'groups', '42'), second.row);
      assert.equal(
        await findMembership(knex, 'usr_alice', 'applications', '7'),
        undefined,
        'not inherited here',
      );
      assert.equal(await findMembership(knex, 'usr_bob', 'groups', '42'), undefined);
    });

    it('refuses a membership of an unknown subject or on an unknown resource', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      const rejects = (field: string, message: string) => (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'invalid_input');
        assert.equal(error.field, field);
        assert.equal(error.message, message);
        return true;
      };
      await assert.rejects(
        upsertMembership(knex, {
          subjectId: 'usr_nobody',
          resourceType: 'groups',
          resourceId: '42',
          role: 'guest',
        }),
        rejects('subjectId', 'subject usr_nobody does not exist'),
      );
      await assert.rejects(
        upsertMembership(knex, {
          subjectId: 'usr_alice',
          resourceType: 'groups',
          resourceId: '404',
          role: 'guest',
        }),
        rejects('resource', 'resource groups/404 does not exist'),
      );
    });

    it('lists the memberships of a subject and the members of a resource', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      const grant = (subjectId: string, resourceType: string, resourceId: string, role: string) =>
        upsertMembership(knex, { subjectId, resourceType, resourceId, role });
      await grant('usr_bob', 'groups', '42', 'maintainer');
      await grant('bot_ci', 'groups', '42', 'developer');
      await grant('usr_alice', 'groups', '42', 'owner');
      await grant('usr_alice', 'applications', '7', 'guest');

      assert.deepEqual(
        (await listMembershipsOfSubject(knex, 'usr_alice')).map((row) => [
          row.resourceType,
          row.resourceId,
          row.role,
        ]),
        [
          ['applications', '7', 'guest'],
          ['groups', '42', 'owner'],
        ],
      );
      assert.deepEqual(await listMembershipsOfSubject(knex, 'usr_nobody'), []);

      const members = await listMembersOfResource(knex, 'groups', '42');
      assert.deepEqual(
        members.map((row) => [row.subjectId, row.subjectKind, row.username, row.role]),
        [
          ['usr_alice', 'user', 'alice', 'owner'],
          ['usr_bob', 'user', 'Bob', 'maintainer'],
          ['bot_ci', 'bot', null, 'developer'],
        ],
        'users by username whatever the case, then bots',
      );
      const [alice] = members;
      assert.deepEqual(alice, {
        ...(await findMembership(knex, 'usr_alice', 'groups', '42')),
        subjectKind: 'user',
        username: 'alice',
      });
      assert.deepEqual(await listMembersOfResource(knex, 'applications', '8'), []);
    });

    it('deletes a membership, and says when there was none', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      await upsertMembership(knex, {
        subjectId: 'usr_bob',
        resourceType: 'groups',
        resourceId: '42',
        role: 'guest',
      });
      assert.equal(await deleteMembership(knex, 'usr_bob', 'groups', '42'), true);
      assert.equal(await deleteMembership(knex, 'usr_bob', 'groups', '42'), false);
      assert.equal(await findMembership(knex, 'usr_bob', 'groups', '42'), undefined);
    });

    it('goes with its subject, and with its resource', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      await upsertMembership(knex, {
        subjectId: 'usr_bob',
        resourceType: 'groups',
        resourceId: '42',
        role: 'guest',
      });
      await upsertMembership(knex, {
        subjectId: 'usr_bob',
        resourceType: 'applications',
        resourceId: '7',
        role: 'owner',
      });
      await upsertMembership(knex, {
        subjectId: 'usr_alice',
        resourceType: 'applications',
        resourceId: '7',
        role: 'owner',
      });

      await knex('subjects').where({ id: 'usr_bob' }).delete();
      assert.deepEqual(await listMembershipsOfSubject(knex, 'usr_bob'), []);
      assert.deepEqual(
        (await listMembersOfResource(knex, 'applications', '7')).map((row) => row.subjectId),
        ['usr_alice'],
      );

      assert.equal(await deleteResource(knex, 'applications', '7'), true);
      assert.deepEqual(await listMembershipsOfSubject(knex, 'usr_alice'), []);
    });
  });
}
