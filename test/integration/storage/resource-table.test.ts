import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Knex } from 'knex';
import { AppError } from '../../../src/errors.ts';
import {
  deleteResource,
  findAncestors,
  findResource,
  listChildResources,
  listResourcesByKeys,
  upsertResource,
  wouldCreateCycle,
} from '../../../src/storage/tables/resources.ts';
import { migratedDatabases } from './migrated-databases.ts';

/** groups/42 → applications/7 → instances/1 and instances/2; applications/8 under groups/42 too. */
const seedTree = async (knex: Knex) => {
  const root = { parentType: null, parentId: null };
  await upsertResource(knex, { type: 'groups', id: '42', name: 'Payments', ...root });
  await upsertResource(knex, {
    type: 'applications',
    id: '7',
    name: 'Ledger',
    parentType: 'groups',
    parentId: '42',
  });
  await upsertResource(knex, {
    type: 'applications',
    id: '8',
    name: 'Payouts',
    parentType: 'groups',
    parentId: '42',
  });
  for (const id of ['1', '2']) {
    await upsertResource(knex, {
      type: 'instances',
      id,
      name: `ledger-${id}`,
      parentType: 'applications',
      parentId: '7',
    });
  }
  await upsertResource(knex, { type: 'groups', id: '43', name: 'Other', ...root });
};

const keys = (rows: { type: string; id: string }[]) => rows.map((row) => `${row.type}/${row.id}`);

for (const [driver, open] of migratedDatabases()) {
  describe(`the resources table on ${driver}`, () => {
    it('creates a resource, then updates its name and parent, telling which happened', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await upsertResource(knex, { type: 'groups', id: '1', name: 'One', parentType: null, parentId: null });
      const first = await upsertResource(knex, {
        type: 'applications',
        id: '7',
        name: 'Ledger',
        parentType: null,
        parentId: null,
      });
      assert.equal(first.created, true);
      assert.ok(first.row.createdAt instanceof Date);
      assert.deepEqual(first.row, {
        type: 'applications',
        id: '7',
        name: 'Ledger',
        parentType: null,
        parentId: null,
        createdAt: first.row.createdAt,
        updatedAt: first.row.updatedAt,
      });
      const second = await upsertResource(knex, {
        type: 'applications',
        id: '7',
        name: 'Ledger v2',
        parentType: 'groups',
        parentId: '1',
      });
      assert.equal(second.created, false);
      assert.deepEqual(second.row, {
        ...first.row,
        name: 'Ledger v2',
        parentType: 'groups',
        parentId: '1',
        updatedAt: second.row.updatedAt,
      });
      assert.ok(second.row.updatedAt >= first.row.updatedAt);
      assert.deepEqual(await findResource(knex, 'applications', '7'), second.row);
      assert.equal(await findResource(knex, 'applications', '9'), undefined);
      assert.equal(await findResource(knex, 'groups', '7'), undefined, 'the type is part of the key');
    });

    it('refuses a parent that does not exist, naming it', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await assert.rejects(
        upsertResource(knex, {
          type: 'applications',
          id: '7',
          name: 'Ledger',
          parentType: 'groups',
          parentId: '99',
        }),
        (error) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, 'invalid_input');
          assert.equal(error.status, 400);
          assert.equal(error.field, 'parent');
          assert.equal(error.message, 'parent groups/99 does not exist');
          return true;
        },
      );
    });

    it('rejects a resource that is its own parent or has half a parent', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await upsertResource(knex, { type: 'groups', id: '1', name: 'One', parentType: null, parentId: null });
      await assert.rejects(
        upsertResource(knex, { type: 'groups', id: '1', name: 'One', parentType: 'groups', parentId: '1' }),
        { code: '23514' },
      );
      await assert.rejects(
        upsertResource(knex, { type: 'groups', id: '2', name: 'Two', parentType: 'groups', parentId: null }),
        { code: '23514' },
      );
    });

    it('lists the direct children of a resource only', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seedTree(knex);
      assert.deepEqual(keys(await listChildResources(knex, 'groups', '42')), [
        'applications/7',
        'applications/8',
      ]);
      assert.deepEqual(keys(await listChildResources(knex, 'applications', '7')), [
        'instances/1',
        'instances/2',
      ]);
      assert.deepEqual(await listChildResources(knex, 'instances', '1'), []);
    });

    it('refuses to delete a resource that has sub-resources, and deletes it once they are gone', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seedTree(knex);
      await assert.rejects(deleteResource(knex, 'groups', '42'), (error) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'conflict');
        assert.equal(error.status, 409);
        assert.equal(error.message, 'resource groups/42 has sub-resources');
        return true;
      });
      assert.ok(await findResource(knex, 'groups', '42'), 'still there');
      for (const [type, id] of [
        ['instances', '1'],
        ['instances', '2'],
        ['applications', '7'],
        ['applications', '8'],
        ['groups', '42'],
      ] as const) {
        assert.equal(await deleteResource(knex, type, id), true, `${type}/${id}`);
      }
      assert.equal(await deleteResource(knex, 'groups', '42'), false);
      assert.equal(await findResource(knex, 'groups', '42'), undefined);
    });

    it('finds the ancestors of a resource, nearest first', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seedTree(knex);
      const ancestors = await findAncestors(knex, 'instances', '2');
      assert.deepEqual(keys(ancestors), ['applications/7', 'groups/42']);
      assert.deepEqual(ancestors[1], await findResource(knex, 'groups', '42'));
      assert.deepEqual(keys(await findAncestors(knex, 'applications', '8')), ['groups/42']);
      assert.deepEqual(await findAncestors(knex, 'groups', '42'), [], 'a root has none');
      assert.deepEqual(await findAncestors(knex, 'groups', '404'), [], 'nor has an unknown resource');
    });

    it('stops walking up at a cycle already in the data', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seedTree(knex);
      // Only a direct write can close a loop: the upsert path checks wouldCreateCycle first.
      await knex('resources')
        .where({ type: 'groups', id: '42' })
        .update({ parent_type: 'instances', parent_id: '1' });
      assert.deepEqual(keys(await findAncestors(knex, 'instances', '1')), ['applications/7', 'groups/42']);
      assert.equal(await wouldCreateCycle(knex, 'groups', '43', 'instances', '2'), false);
      assert.equal(await wouldCreateCycle(knex, 'applications', '7', 'groups', '42'), true);
    });

    it('tells whether a new parent would close a cycle', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seedTree(knex);
      assert.equal(await wouldCreateCycle(knex, 'groups', '42', 'groups', '42'), true, 'itself');
      assert.equal(await wouldCreateCycle(knex, 'groups', '42', 'applications', '7'), true, 'a child');
      assert.equal(await wouldCreateCycle(knex, 'groups', '42', 'instances', '2'), true, 'a grandchild');
      assert.equal(
        await wouldCreateCycle(knex, 'applications', '8', 'applications', '7'),
        false,
        'a sibling',
      );
      assert.equal(await wouldCreateCycle(knex, 'instances', '1', 'groups', '42'), false, 'an ancestor');
      assert.equal(await wouldCreateCycle(knex, 'groups', '43', 'instances', '1'), false, 'another tree');
      assert.equal(await wouldCreateCycle(knex, 'groups', '42', 'groups', '404'), false, 'an unknown parent');
      assert.equal(await wouldCreateCycle(knex, 'groups', '42', null, null), false, 'no parent');
    });

    it('lists the resources that exist among the keys given', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seedTree(knex);
      const found = await listResourcesByKeys(knex, [
        { type: 'instances', id: '2' },
        { type: 'groups', id: '42' },
        { type: 'groups', id: '404' },
        { type: 'groups', id: '7' },
        { type: 'applications', id: '7' },
      ]);
      assert.deepEqual(keys(found), ['applications/7', 'groups/42', 'instances/2']);
      assert.deepEqual(await listResourcesByKeys(knex, []), []);
    });
  });
}
