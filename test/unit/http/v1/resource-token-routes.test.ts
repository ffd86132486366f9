import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RAT } from './fake-services.ts';
import { ISSUER, startManagementApi, type ManagementApiServer } from './management-api-server.ts';

const RAT_JSON = {
  id: 'tok_resource0001',
  kind: 'resource',
  name: 'deploy',
  scopes: ['groups:read-only'],
  audience: [],
  state: 'active',
  display_hint: 'tsr_rat_…8y7X',
  created_at: '2025-06-01T12:00:00.000Z',
  created_by: 'usr_alice',
  expires_at: '2025-07-01T23:59:59.999Z',
  last_used_at: null,
  last_used_ip: null,
  rotated_at: null,
  revoked_at: null,
  resource: { type: 'groups', id: '42' },
  bot_id: 'bot_deploy',
  role: 'developer',
};

describe('resource access token routes', () => {
  let api: ManagementApiServer;
  let token: string;
  before(async () => {
    api = await startManagementApi();
    token = api.tokenWith(['tokens:read', 'tokens:write']);
  });
  after(() => api.close());

  test('creates a token on the resource with a role and answers the bot, role and token', async () => {
    const reply = await api.request('POST', '/v1/resources/groups/42/access-tokens', {
      token,
      json: { name: 'deploy', role: 'developer', scopes: ['groups:read-only'], expires_in_days: 7 },
    });
    assert.equal(reply.status, 201, reply.text);
    assert.deepEqual(reply.json(), { ...RAT_JSON, token: RAT });
    assert.equal(
      reply.headers.get('location'),
      `${ISSUER}/v1/resources/groups/42/access-tokens/tok_resource0001`,
    );
    assert.deepEqual(api.calls.at(-1)?.args, [
      { type: 'groups', id: '42' },
      {
        name: 'deploy',
        role: 'developer',
        scopes: ['groups:read-only'],
        expiresAt: undefined,
        expiresInDays: 7,
      },
    ]);
  });

  test('refuses a resource token body with personal-token members or a missing role', async () => {
    const reply = await api.request('POST', '/v1/resources/groups/42/access-tokens', {
      token,
      json: { name: 'deploy', scopes: ['groups:read-only'], audience: ['https://api.test'] },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.json().errors, [
      { pointer: '/role', detail: 'is required' },
      { pointer: '/audience', detail: 'is not a known member' },
    ]);
  });

  test('refuses a malformed resource type or id in the path, naming the parameter', async () => {
    const reply = await api.request('GET', '/v1/resources/Groups/%20/access-tokens', { token });
    assert.equal(reply.status, 400);
    assert.deepEqual(
      (reply.json().errors as { parameter: string }[]).map((item) => item.parameter),
      ['type', 'id'],
    );
  });

  test("lists, reads, revokes and rotates the resource's tokens", async () => {
    const list = await api.request('GET', '/v1/resources/groups/42/access-tokens?state=revoked', { token });
    assert.deepEqual(list.json(), { data: [{ ...RAT_JSON, name: 'ci' }], next_cursor: null });
    assert.deepEqual(api.calls.at(-1)?.args, [
      { type: 'groups', id: '42' },
      { state: 'revoked', limit: 20 },
    ]);

    const read = await api.request('GET', '/v1/resources/groups/42/access-tokens/tok_abc', { token });
    assert.equal(read.json().id, 'tok_abc');
    assert.equal('token' in read.json(), false);
    assert.deepEqual(api.calls.at(-1)?.args, [{ type: 'groups', id: '42' }, 'tok_abc']);

    const revoked = await api.request('DELETE', '/v1/resources/groups/42/access-tokens/tok_abc', { token });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.json().state, 'revoked');
    assert.equal('token' in revoked.json(), false);

    const rotated = await api.request('POST', '/v1/resources/groups/42/access-tokens/tok_abc/rotate', {
      token,
    });
    assert.equal(rotated.status, 200);
    assert.equal(rotated.json().token, RAT);
    assert.equal(rotated.json().bot_id, 'bot_deploy');
    assert.equal(api.calls.at(-1)?.method, 'rotateForResource');
  });

  test('decodes percent-encoded resource ids', async () => {
    await api.request('GET', '/v1/resources/instances/eu-1%3Aweb/access-tokens', { token });
    assert.deepEqual(api.calls.at(-1)?.args[0], { type: 'instances', id: 'eu-1:web' });
  });
});
