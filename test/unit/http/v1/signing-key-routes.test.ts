import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKeys } from '../../../../src/keys/generate-keys.ts';
import { type ManagementApiServer, startManagementApi } from './management-api-server.ts';

describe('signing key routes', () => {
  let api: ManagementApiServer;
  let admin: string;
  let original: string[];
  before(async () => {
    api = await startManagementApi();
    admin = api.tokenWith(['admin']);
    const now = Math.floor(Date.now() / 1000);
    original = (await generateKeys(api.services.keyStore, { now: now - 7200 })).map((key) => key.kid);
  });
  after(() => api.close());

  test('lists each key with its role and no private member', async () => {
    const reply = await api.request('GET', '/v1/keys', { token: admin });
    assert.equal(reply.status, 200, reply.text);
    const { data } = reply.json() as { data: Record<string, unknown>[] };
    assert.deepEqual(
      data.map((key) => [key.kid, key.status]),
      original.map((kid) => [kid, 'signing']),
    );
    assert.doesNotMatch(reply.text, /"d"|"p"|"q"/);
  });

  test('refuses callers without the admin scope with a problem', async () => {
    const reply = await api.request('POST', '/v1/keys/rotate', {
      token: api.tokenWith(['tokens:write']),
      json: {},
    });
    assert.equal(reply.status, 403);
    assert.match(reply.headers.get('content-type') ?? '', /application\/problem\+json/);
  });

  test('refuses a rotation that would sign before the JWKS cache time has passed, naming the field', async () => {
    const reply = await api.request('POST', '/v1/keys/rotate', {
      token: admin,
      json: { activate_in_seconds: 5 },
    });
    assert.equal(reply.status, 409, reply.text);
    const problem = reply.json() as { errors?: { pointer?: string }[]; detail: string };
    assert.match(problem.detail, /published for 62 seconds before it signs/);
    assert.equal(problem.errors?.[0]?.pointer, '/activate_in_seconds');
  });

  test('rejects an unknown algorithm as a 400 naming the field', async () => {
    const reply = await api.request('POST', '/v1/keys/rotate', { token: admin, json: { algs: ['HS256'] } });
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.text, /\/algs\/0/);
  });

  test('rotates: the new key is pending (published) for the staged delay, the old one still signs', async () => {
    const before = Math.floor(Date.now() / 1000);
    const reply = await api.request('POST', '/v1/keys/rotate', { token: admin, json: { algs: ['ES256'] } });
    assert.equal(reply.status, 201, reply.text);
    const { added } = reply.json() as { added: { kid: string; alg: string; activates_at: string }[] };
    assert.equal(added.length, 1);
    assert.equal(added[0]?.alg, 'ES256');
    const activatesAt = Date.parse(added[0]?.activates_at as string) / 1000;
    assert.ok(activatesAt >= before + 62, `${added[0]?.activates_at} is at least 62 s away`);

    const { data } = (await api.request('GET', '/v1/keys', { token: admin })).json() as {
      data: { kid: string; status: string }[];
    };
    assert.equal(data.find((key) => key.kid === added[0]?.kid)?.status, 'pending');
    assert.equal(data.find((key) => key.kid === original[0])?.status, 'signing');
  });

  test('retires nothing while keys sign or are pending, and answers 409 for a named signer', async () => {
    const reply = await api.request('POST', '/v1/keys/retire', { token: admin, json: {} });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual((reply.json() as { removed: unknown[] }).removed, []);
    const named = await api.request('POST', '/v1/keys/retire', { token: admin, json: { kid: original[0] } });
    assert.equal(named.status, 409, named.text);
    const unknown = await api.request('POST', '/v1/keys/retire', { token: admin, json: { kid: 'nope' } });
    assert.equal(unknown.status, 404, unknown.text);
  });
});
