import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type MyResource, resourceTree } from '../../../../src/http/console/resource-tree-view.ts';

const resource = (overrides: Partial<MyResource> & Pick<MyResource, 'type' | 'id' | 'name'>): MyResource => ({
  parent: null,
  role: 'owner',
  inherited_from: null,
  granted_by: 'membership',
  ...overrides,
});

const tree = (resources: MyResource[], admin?: boolean) =>
  resourceTree(resources, {
    mayManage: (role) => role === 'owner' || role === 'maintainer',
    tokensPath: (type, id) => `/console/resources/${type}/${id}/access-tokens`,
    admin,
  }).html;

const text = (markup: string) =>
  markup
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('the resource tree', () => {
  test('nests a membership’s sub-resources and says where an inherited role comes from', () => {
    const markup = tree([
      resource({ type: 'groups', id: '42', name: 'Platform', role: 'maintainer' }),
      resource({
        type: 'applications',
        id: '7',
        name: 'Shop',
        parent: { type: 'groups', id: '42' },
        role: 'maintainer',
        inherited_from: { type: 'groups', id: '42' },
      }),
    ]);
    assert.match(
      text(markup),
      /group Platform 42 maintainer Settings → Access tokens application Shop 7 maintainer from Platform/,
    );
    assert.match(markup, /href="\/console\/resources\/applications\/7\/access-tokens"/);
  });

  test('an administrator sees every resource as owner, "as administrator", with the token settings of each', () => {
    const markup = tree(
      [
        resource({ type: 'groups', id: '42', name: 'Platform', granted_by: 'admin' }),
        resource({ type: 'groups', id: '43', name: 'Data', granted_by: 'admin' }),
      ],
      true,
    );
    assert.match(markup, /aria-label="All resources"/);
    assert.match(text(markup), /group Data 43 owner as administrator Settings → Access tokens/);
    assert.match(text(markup), /group Platform 42 owner as administrator Settings → Access tokens/);
  });

  test('empty: a member is told to ask for a membership, an administrator that nothing was synced yet', () => {
    assert.match(text(tree([])), /You are not a member of any resource yet/);
    const admin = text(tree([], true));
    assert.match(admin, /There are no resources yet/);
    assert.doesNotMatch(admin, /not a member/);
  });
});
