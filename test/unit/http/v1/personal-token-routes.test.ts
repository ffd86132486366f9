import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccessTokenView } from '../../../../src/domain/access-tokens/access-token.ts';
import { invalidFields } from '../../../../src/errors.ts';
import { PAT, personalView } from './fake-services.ts';
import { ISSUER, startManagementApi, type ManagementApiServer } from './management-api-server.ts';

const TOKEN_JSON = {
  id: 'tok_personal0001',
  kind: 'personal',
  name: 'ci',
  scopes: ['groups:read-only'],
  audience: [],
  state: 'active',
  display_hint: 'tsr_pat_…1b2C',
  created_at: '2025-06-01T12:00:00.000Z',
  created_by: 'usr_alice',
  expires_at: '2025-07-01T23:59:59.999Z',
  last_used_at: null,
  last_used_ip: null,
  rotated_at: null,
  revoked_at: null,
};

const sortedErrors = (body: Record<string, unknown>) =>
  (body.errors as { pointer?: string; parameter?: string }[])
    .map((item) => item.pointer ?? item.parameter)
    .sort();

describe('personal access token routes', () => {
  let api: ManagementApiServer;
  let token: string;
  before(async () => {
    // The clock, as the server has it: dates are checked against today.
    api = await startManagementApi({ tokenRules: { now: () => new Date() } });
    token = api.tokenWith(['tokens:read', 'tokens:write']);
  });
  after(() => api.close());

  test('creates a token from snake_case JSON and answers 201 with the token and its Location', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      token,
      json: {
        name: 'ci',
        scopes: ['groups:read-only'],
        expires_in_days: 30,
        audience: ['https://api.test/orders'],
      },
    });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.headers.get('location'), `${ISSUER}/v1/access-tokens/tok_personal0001`);
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(reply.json(), { ...TOKEN_JSON, token: PAT });
    const call = api.calls.at(-1);
    assert.equal(call?.method, 'createPersonal');
    assert.deepEqual(call?.args, [
      {
        name: 'ci',
        scopes: ['groups:read-only'],
        expiresAt: undefined,
        expiresInDays: 30,
        audience: ['https://api.test/orders'],
      },
    ]);
  });

  test('passes expires_at through as a calendar date', async () => {
    await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: 'ci', scopes: ['groups:read-only'], expires_at: '2030-12-31' },
    });
    assert.deepEqual(api.calls.at(-1)?.args, [
      {
        name: 'ci',
        scopes: ['groups:read-only'],
        expiresAt: '2030-12-31',
        expiresInDays: undefined,
        audience: undefined,
      },
    ]);
  });

  test('names every invalid member by its JSON pointer', async () => {
    const before = api.calls.length;
    const reply = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: '', scopes: ['groups:read-only', 'bad scope'], expires_in_days: 0, audience: 'orders' },
    });
    assert.equal(reply.status, 400);
    const body = reply.json();
    assert.equal(body.code, 'invalid_input');
    assert.deepEqual(sortedErrors(body), ['/audience', '/expires_in_days', '/name', '/scopes/1']);
    const date = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: 'ci', scopes: ['groups:read-only'], expires_at: '31/12/2030' },
    });
    assert.deepEqual(sortedErrors(date.json()), ['/expires_at']);
    assert.equal(api.calls.length, before, 'the domain is not called with invalid input');
  });

  test('names a missing member as required', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { scopes: ['groups:read-only'] },
    });
    assert.deepEqual(reply.json().errors, [{ pointer: '/name', detail: 'is required' }]);
  });

  test('refuses unknown members and names each of them', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: 'ci', scopes: ['groups:read-only'], expiresInDays: 30, owner: 'bob' },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.json().errors, [
      { pointer: '/expiresInDays', detail: 'is not a known member' },
      { pointer: '/owner', detail: 'is not a known member' },
    ]);
  });

  test('refuses a name with control characters and a __proto__ member', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      token,
      body: '{"name":"ci\\u0007","scopes":["groups:read-only"],"__proto__":{"admin":true}}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.json().errors, [
      { pointer: '/name', detail: 'must not contain control characters' },
      { pointer: '/__proto__', detail: 'is not a known member' },
    ]);
  });

  test('refuses expires_at together with expires_in_days, naming both', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: 'ci', scopes: ['groups:read-only'], expires_at: '2030-12-31', expires_in_days: 30 },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.json().errors, [
      { pointer: '/expires_at', detail: 'cannot be combined with expires_in_days' },
      { pointer: '/expires_in_days', detail: 'cannot be combined with expires_at' },
    ]);
  });

  test('refuses the lifetimes the CLI refuses, in the same words, and says "has a problem"', async () => {
    const days = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: 'ci', scopes: ['groups:read-only'], expires_in_days: 100_000 },
    });
    assert.equal(days.status, 400);
    assert.equal(days.json().detail, 'The request body has a problem: see errors.');
    assert.deepEqual(days.json().errors, [
      {
        pointer: '/expires_in_days',
        detail: 'exceeds the maximum token lifetime of 36500 days (100 years)',
      },
    ]);
    const date = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: '', scopes: ['groups:read-only'], expires_at: '9999-12-31' },
    });
    assert.equal(date.json().detail, 'The request body has problems: see errors.');
    const [dateProblem] = (date.json().errors as { pointer: string; detail: string }[]).filter(
      (item) => item.pointer === '/expires_at',
    );
    assert.match(
      dateProblem?.detail ?? '',
      /^exceeds the maximum token lifetime of 36500 days \(100 years\): the last date allowed is \d{4}-\d{2}-\d{2}$/,
    );
  });

  test('says "the request parameters have a problem"', async () => {
    const reply = await api.request('GET', '/v1/access-tokens?limit=0', { token });
    assert.equal(reply.status, 400);
    assert.equal(reply.json().detail, 'The request parameters have a problem: see errors.');
  });

  test("names the domain's problems in the API's words: pointers, snake_case references, the whole body", async (t) => {
    t.mock.method(api.services.accessTokens, 'createPersonal', async () => {
      throw invalidFields([{ field: 'expiresAt', detail: 'is later than the token you are using' }]);
    });
    const one = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: 'ci', scopes: ['groups:read-only'], expires_at: '2030-12-31' },
    });
    assert.equal(one.json().detail, 'expires_at is later than the token you are using');
    assert.deepEqual(one.json().errors, [
      { pointer: '/expires_at', detail: 'is later than the token you are using' },
    ]);
    t.mock.method(api.services.accessTokens, 'createPersonal', async () => {
      throw invalidFields([{ detail: 'cannot outlive it: give {expiresAt} or {expiresInDays}' }]);
    });
    const whole = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: 'ci', scopes: ['groups:read-only'] },
    });
    assert.equal(whole.json().detail, 'cannot outlive it: give expires_at or expires_in_days');
    assert.deepEqual(whole.json().errors, [
      { pointer: '', detail: 'cannot outlive it: give expires_at or expires_in_days' },
    ]);
  });

  test('refuses a body that is not an object', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', { token, json: ['ci'] });
    assert.equal(reply.status, 400);
    assert.deepEqual(sortedErrors(reply.json()), ['']);
  });

  test('lists with the state, limit and cursor asked for, as { data, next_cursor }', async () => {
    const reply = await api.request('GET', '/v1/access-tokens?state=all&limit=5&cursor=eyJpZCI6InRva18xIn0', {
      token,
    });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.json(), { data: [TOKEN_JSON], next_cursor: 'eyJpZCI6InRva18xIn0' });
    assert.deepEqual(api.calls.at(-1)?.args, [{ state: 'all', limit: 5, cursor: 'eyJpZCI6InRva18xIn0' }]);
  });

  test('lists active tokens, 20 at a time, by default', async () => {
    await api.request('GET', '/v1/access-tokens', { token });
    assert.deepEqual(api.calls.at(-1)?.args, [{ state: 'active', limit: 20 }]);
  });

  test('names each bad or unknown query parameter', async () => {
    const reply = await api.request('GET', '/v1/access-tokens?state=paused&limit=101&page=2', { token });
    assert.equal(reply.status, 400);
    assert.deepEqual(sortedErrors(reply.json()), ['limit', 'page', 'state']);
    const repeated = await api.request('GET', '/v1/access-tokens?limit=1&limit=2', { token });
    assert.deepEqual(sortedErrors(repeated.json()), ['limit']);
  });

  test('refuses a malformed token id before asking the domain', async () => {
    const before = api.calls.length;
    const reply = await api.request('GET', '/v1/access-tokens/tsr_pat_abc', { token });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.json().errors, [{ parameter: 'id', detail: 'must be a token id (tok_…)' }]);
    assert.equal(api.calls.length, before);
  });

  test('reads, revokes and rotates by id; only rotation answers with a token', async () => {
    const read = await api.request('GET', '/v1/access-tokens/tok_abc123', { token });
    assert.equal(read.status, 200);
    assert.deepEqual(read.json(), { ...TOKEN_JSON, id: 'tok_abc123' });
    assert.deepEqual(api.calls.at(-1)?.args, ['tok_abc123']);

    const revoked = await api.request('DELETE', '/v1/access-tokens/tok_abc123', { token });
    assert.equal(revoked.status, 200);
    assert.deepEqual(revoked.json(), {
      ...TOKEN_JSON,
      id: 'tok_abc123',
      state: 'revoked',
      revoked_at: '2025-06-01T12:00:00.000Z',
    });
    assert.equal(api.calls.at(-1)?.method, 'revokePersonal');

    const rotated = await api.request('POST', '/v1/access-tokens/tok_abc123/rotate', { token });
    assert.equal(rotated.status, 200);
    assert.equal(rotated.json().token, PAT);
    assert.equal(rotated.json().rotated_at, '2025-06-01T12:00:00.000Z');
    assert.equal(api.calls.at(-1)?.method, 'rotatePersonal');
  });

  test('never answers a token string outside create and rotate, even if the domain handed one over', async (t) => {
    // A view carrying more than its type says (a token, a hash) must not reach the client.
    const leaky = { ...personalView(), token: PAT, tokenHash: 'hmac-of-token' } as AccessTokenView;
    t.mock.method(api.services.accessTokens, 'getPersonal', async () => leaky);
    t.mock.method(api.services.accessTokens, 'revokePersonal', async () => leaky);
    t.mock.method(api.services.accessTokens, 'listPersonal', async () => ({
      items: [leaky],
      nextCursor: null,
    }));
    for (const [method, path] of [
      ['GET', '/v1/access-tokens'],
      ['GET', '/v1/access-tokens/tok_abc'],
      ['DELETE', '/v1/access-tokens/tok_abc'],
    ] as const) {
      const reply = await api.request(method, path, { token });
      assert.equal(reply.status, 200, reply.text);
      assert.doesNotMatch(reply.text, /tsr_pat_0123|hmac-of-token|"token"|token_hash/, path);
    }
  });

  test('answers HEAD on a collection like GET without a body', async () => {
    const reply = await api.request('HEAD', '/v1/access-tokens', { token });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '');
    assert.equal(reply.headers.get('cache-control'), 'no-store');
  });
});

describe('personal access token routes on a server with a lifetime policy', () => {
  let api: ManagementApiServer;
  let token: string;
  before(async () => {
    api = await startManagementApi({ tokenRules: { maxLifetimeDays: 90, now: () => new Date() } });
    token = api.tokenWith(['tokens:read', 'tokens:write']);
  });
  after(() => api.close());

  test("names the operator's policy, every problem at once, and documents its maximum", async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: '', scopes: ['groups:read-only'], expires_in_days: 91 },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.json().errors, [
      { pointer: '/name', detail: 'must not be empty' },
      {
        pointer: '/expires_in_days',
        detail: "exceeds this server's maximum token lifetime of 90 days (TESSERA_TOKEN_MAX_LIFETIME_DAYS)",
      },
    ]);
    const never = await api.request('POST', '/v1/access-tokens', {
      token,
      json: { name: 'ci', scopes: ['groups:read-only'] },
    });
    assert.deepEqual(never.json().errors, [
      {
        pointer: '',
        detail:
          'tokens on this server must expire within 90 days (TESSERA_TOKEN_MAX_LIFETIME_DAYS): give expires_at or expires_in_days',
      },
    ]);
    const document = (await api.request('GET', '/v1/openapi.json')).json() as {
      paths: Record<
        string,
        {
          post?: {
            requestBody: {
              content: Record<string, { schema: { properties: Record<string, { maximum?: number }> } }>;
            };
          };
        }
      >;
    };
    const body = document.paths['/v1/access-tokens']?.post?.requestBody.content['application/json']?.schema;
    assert.equal(body?.properties.expires_in_days?.maximum, 90);
  });
});
