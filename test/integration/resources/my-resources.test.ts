import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import type { Actor } from '../../../src/domain/actors.ts';
import { createDomain } from '../../../src/domain/create-domain.ts';
import { operatorActor } from '../../../src/domain/operator.ts';
import { createLocalChangeBus } from '../../../src/storage/change-bus.ts';
import { createRepositories } from '../../../src/storage/repositories.ts';
import { migratedDatabases } from '../storage/migrated-databases.ts';

/** "My resources", the console's tree: memberships reach every resource below them. */
const OPERATOR = operatorActor('test');

const userActor = (id: string): Actor => ({
  kind: 'user',
  id,
  meta: {},
  credential: {
    type: 'jwt',
    tokenId: 'jti',
    clientId: 'tessera-console',
    scopes: ['tokens:read'],
    expiresAt: null,
  },
});

for (const [driver, open] of migratedDatabases()) {
  describe(`the resources a person is a member of (${driver})`, () => {
    const openDomain = async (t: TestContext) => {
      const knex = await open(t);
      return (
        knex &&
        createDomain({
          repositories: createRepositories(knex),
          changes: createLocalChangeBus(),
          pepper: 'a-test-pepper-that-is-long-enough-for-tessera',
          tokenEntries: undefined,
        })
      );
    };

    test('include everything below a membership, with the highest role that reaches each and where it comes from', async (t) => {
      const domain = await openDomain(t);
      if (!domain) return;
      const user = await domain.users.create(OPERATOR, {
        username: 'erin',
        password: 'a long enough password',
      });
      const put = (type: string, id: string, parent: { type: string; id: string } | null) =>
        domain.resources.put(OPERATOR, { type, id }, { name: `${type} ${id}`, parent });
      await put('groups', 'g', null);
      await put('applications', 'a1', { type: 'groups', id: 'g' });
      await put('applications', 'a2', { type: 'groups', id: 'g' });
      await put('instances', 'i1', { type: 'applications', id: 'a1' });
      await put('groups', 'elsewhere', null);
      await domain.resources.putMember(OPERATOR, { type: 'groups', id: 'g' }, user.id, 'developer');
      await domain.resources.putMember(OPERATOR, { type: 'applications', id: 'a1' }, user.id, 'owner');
      await domain.resources.putMember(OPERATOR, { type: 'applications', id: 'a2' }, user.id, 'guest');

      const actor = userActor(user.id);
      const mine = await domain.resources.listMine(actor);
      assert.deepEqual(
        mine
          .map((resource) => [
            `${resource.type}/${resource.id}`,
            resource.role,
            resource.inheritedFrom ? `${resource.inheritedFrom.type}/${resource.inheritedFrom.id}` : null,
          ])
          .sort(),
        [
          ['applications/a1', 'owner', null],
          ['applications/a2', 'developer', 'groups/g'],
          ['groups/g', 'developer', null],
          ['instances/i1', 'owner', 'applications/a1'],
        ],
      );
      assert.ok(mine.every((resource) => resource.grantedBy === 'membership'));
    });

    test('an administrator, owner everywhere without a membership, has every resource', async (t) => {
      const domain = await openDomain(t);
      if (!domain) return;
      const admin = await domain.users.create(OPERATOR, {
        username: 'root-admin',
        password: 'a long enough password',
        isAdmin: true,
      });
      await domain.resources.put(OPERATOR, { type: 'groups', id: '42' }, { name: 'Platform', parent: null });
      await domain.resources.put(
        OPERATOR,
        { type: 'applications', id: '7' },
        { name: 'Shop', parent: { type: 'groups', id: '42' } },
      );
      const mine = await domain.resources.listMine(userActor(admin.id));
      assert.deepEqual(
        mine.map((resource) => [
          `${resource.type}/${resource.id}`,
          resource.name,
          resource.role,
          resource.inheritedFrom,
          resource.grantedBy,
        ]),
        [
          ['applications/7', 'Shop', 'owner', null, 'admin'],
          ['groups/42', 'Platform', 'owner', null, 'admin'],
        ],
      );
    });
  });
}
