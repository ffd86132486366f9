import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { memberView, resourceView } from './fake-services.ts';
import { ISSUER, startManagementApi, type ManagementApiServer } from './management-api-server.ts';

const T = '2025-06-01T12:00:00.000Z';

describe('resource and membership routes', () => {
  let api: ManagementApiServer;
  let platform: string;
  before(async () => {
    api = await startManagementApi();
    platform = api.tokenWith(['resources:write'], 'client');
  });
  after(() => api.close());

  test('puts a new resource: 201 with Location', async () => {
    const reply = await api.request('PUT', '/v1/resources/applications/7', {
      token: platform,
      json: { name: 'Shop', parent: { type: 'groups', id: '42' } },
    });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.headers.get('location'), `${ISSUER}/v1/resources/applications/7`);
    assert.deepEqual(reply.json(), {
      type: 'applications',
      id: '7',
      name: 'Shop',
      parent: { type: 'groups', id: '42' },
      created_at: T,
      updated_at: T,
    });
    assert.deepEqual(api.calls.at(-1)?.args, [
      { type: 'applications', id: '7' },
      { name: 'Shop', parent: { type: 'groups', id: '42' } },
    ]);
  });

  test('puts an existing resource: 200 without Location', async (t) => {
    t.mock.method(api.services.resources, 'put', async () => ({ resource: resourceView(), created: false }));
    const reply = await api.request('PUT', '/v1/resources/groups/42', {
      token: platform,
      json: { name: 'Platform', parent: null },
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('location'), null);
    assert.equal(reply.json().parent, null);
  });

  test('requires parent to be given, as null for a root, and names unknown nested members', async () => {
    const missing = await api.request('PUT', '/v1/resources/groups/42', {
      token: platform,
      json: { name: 'Platform' },
    });
    assert.deepEqual(missing.json().errors, [{ pointer: '/parent', detail: 'is required' }]);
    const nested = await api.request('PUT', '/v1/resources/applications/7', {
      token: platform,
      json: { name: 'Shop', parent: { type: 'groups', id: '42', name: 'Platform' } },
    });
    assert.deepEqual(nested.json().errors, [{ pointer: '/parent/name', detail: 'is not a known member' }]);
  });

  test('reads and deletes a resource; delete answers 204 without a body', async () => {
    const read = await api.request('GET', '/v1/resources/groups/42', { token: platform });
    assert.equal(read.status, 200);
    assert.equal(read.json().name, 'Platform');
    const deleted = await api.request('DELETE', '/v1/resources/groups/42', { token: platform });
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    assert.equal(deleted.headers.get('cache-control'), 'no-store');
    assert.equal(api.calls.at(-1)?.method, 'remove');
    assert.deepEqual(api.calls.at(-1)?.args, [{ type: 'groups', id: '42' }]);
  });

  test('puts a membership: 201 when new, 200 when the role changed', async (t) => {
    const created = await api.request('PUT', '/v1/resources/groups/42/members/usr_bob', {
      token: platform,
      json: { role: 'developer' },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('location'), `${ISSUER}/v1/resources/groups/42/members/usr_bob`);
    assert.deepEqual(created.json(), {
      subject_id: 'usr_bob',
      subject_kind: 'user',
      username: 'alice',
      role: 'developer',
      created_at: T,
      updated_at: T,
    });
    assert.deepEqual(api.calls.at(-1)?.args, [{ type: 'groups', id: '42' }, 'usr_bob', 'developer']);

    t.mock.method(api.services.resources, 'putMember', async () => ({
      member: memberView(),
      created: false,
    }));
    const updated = await api.request('PUT', '/v1/resources/groups/42/members/usr_alice', {
      token: platform,
      json: { role: 'maintainer' },
    });
    assert.equal(updated.status, 200);
  });

  test('refuses a malformed subject id or role', async () => {
    const reply = await api.request('PUT', '/v1/resources/groups/42/members/alice@example.com', {
      token: platform,
      json: { role: 'Owner' },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.json().errors, [
      { parameter: 'subjectId', detail: 'must be a subject id (usr_… or bot_…)' },
    ]);
    const role = await api.request('PUT', '/v1/resources/groups/42/members/usr_bob', {
      token: platform,
      json: { role: 'Owner' },
    });
    assert.deepEqual(role.json().errors, [{ pointer: '/role', detail: 'must be a role such as maintainer' }]);
  });

  test('lists members as { data } and removes one with 204', async () => {
    const list = await api.request('GET', '/v1/resources/groups/42/members', { token: platform });
    assert.equal(list.status, 200);
    const { data } = list.json() as {
      data: { subject_id: string; subject_kind: string; username: string | null }[];
    };
    assert.deepEqual(
      data.map((member) => [member.subject_id, member.subject_kind, member.username]),
      [
        ['usr_alice', 'user', 'alice'],
        ['bot_deploy', 'bot', null],
      ],
    );
    const removed = await api.request('DELETE', '/v1/resources/groups/42/members/usr_alice', {
      token: platform,
    });
    assert.equal(removed.status, 204);
    assert.deepEqual(api.calls.at(-1)?.args, [{ type: 'groups', id: '42' }, 'usr_alice']);
  });

  test("lists the caller's own resources with their role", async () => {
    const reply = await api.request('GET', '/v1/me/resources', { token: api.tokenWith(['tokens:read']) });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json(), {
      data: [
        {
          type: 'groups',
          id: '42',
          name: 'Platform',
          parent: null,
          created_at: T,
          updated_at: T,
          role: 'owner',
          inherited_from: null,
          granted_by: 'membership',
        },
      ],
    });
  });

  test('tells the caller who it is, what its token carries and what its tokens may carry', async () => {
    const reply = await api.request('GET', '/v1/me', { token: api.tokenWith(['tokens:read']) });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json(), {
      id: 'usr_alice',
      kind: 'user',
      username: 'alice',
      scopes: ['tokens:read'],
      grantable_scopes: ['tokens:read', 'tokens:write'],
    });
  });
});
