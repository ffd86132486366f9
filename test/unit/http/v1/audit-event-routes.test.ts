import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startManagementApi, type ManagementApiServer } from './management-api-server.ts';

describe('audit event routes', () => {
  let api: ManagementApiServer;
  let admin: string;
  before(async () => {
    api = await startManagementApi();
    admin = api.tokenWith(['admin']);
  });
  after(() => api.close());

  test('lists events with every filter translated for the domain', async () => {
    const query = new URLSearchParams({
      actor: 'usr_alice',
      action: 'access_token.revoke',
      target_type: 'access_token',
      target_id: 'tok_abc',
      since: '2025-06-01T00:00:00Z',
      until: '2025-06-02T00:00:00+02:00',
      limit: '50',
      cursor: 'eyJpZCI6ImV2dF8xIn0',
    });
    const reply = await api.request('GET', `/v1/audit-events?${query}`, { token: admin });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.json(), {
      data: [
        {
          id: 'evt_1',
          occurred_at: '2025-06-01T12:00:00.000Z',
          actor: { type: 'user', id: 'usr_alice' },
          action: 'access_token.create',
          target: { type: 'access_token', id: 'tok_personal0001' },
          ip: '127.0.0.1',
          user_agent: 'curl/8',
          details: { name: 'ci' },
        },
      ],
      next_cursor: null,
    });
    assert.deepEqual(api.calls.at(-1)?.args, [
      {
        actorId: 'usr_alice',
        action: 'access_token.revoke',
        targetType: 'access_token',
        targetId: 'tok_abc',
        since: new Date('2025-06-01T00:00:00Z'),
        until: new Date('2025-06-01T22:00:00Z'),
        limit: 50,
        cursor: 'eyJpZCI6ImV2dF8xIn0',
      },
    ]);
  });

  test('refuses malformed instants and a window that ends before it starts', async () => {
    const bad = await api.request('GET', '/v1/audit-events?since=yesterday', { token: admin });
    assert.deepEqual(
      (bad.json().errors as { parameter: string }[]).map((item) => item.parameter),
      ['since'],
    );
    const backwards = await api.request(
      'GET',
      '/v1/audit-events?since=2025-06-02T00:00:00Z&until=2025-06-01T00:00:00Z',
      { token: admin },
    );
    assert.deepEqual(backwards.json().errors, [{ parameter: 'until', detail: 'must not be before since' }]);
  });

  test('is for admins only', async () => {
    const reply = await api.request('GET', '/v1/audit-events', {
      token: api.tokenWith(['tokens:read', 'tokens:write', 'resources:write']),
    });
    assert.equal(reply.status, 403);
    assert.match(reply.headers.get('www-authenticate') ?? '', /scope="admin"/);
  });
});
