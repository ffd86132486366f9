import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccessTokenView } from '../../../../src/domain/access-tokens/access-token.ts';
import { AppError, conflict, invalidInput, notFound } from '../../../../src/errors.ts';
import { personalView } from './fake-services.ts';
import { startManagementApi, type ManagementApiServer, type Reply } from './management-api-server.ts';

const assertProblem = (reply: Reply, status: number, code: string) => {
  assert.equal(reply.status, status, reply.text);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(reply.headers.get('cache-control'), 'no-store');
  const body = reply.json();
  assert.equal(body.type, 'about:blank');
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.detail, 'string');
  return body;
};

describe('management API problems', () => {
  let api: ManagementApiServer;
  let writer: string;
  before(async () => {
    api = await startManagementApi();
    writer = api.tokenWith(['tokens:read', 'tokens:write', 'resources:write']);
  });
  after(() => api.close());

  test('answers an unknown /v1 path with a 404 problem', async () => {
    assertProblem(await api.request('GET', '/v1/nothing-here', { token: writer }), 404, 'not_found');
    assertProblem(await api.request('GET', '/v1'), 404, 'not_found');
  });

  test('answers a known path with another method with a 405 problem and Allow', async () => {
    const reply = await api.request('PATCH', '/v1/access-tokens', { token: writer });
    assertProblem(reply, 405, 'method_not_allowed');
    assert.deepEqual(reply.headers.get('allow')?.split(', ').sort(), ['GET', 'HEAD', 'POST']);
    const byId = await api.request('PUT', '/v1/access-tokens/tok_abc', { token: writer });
    assert.deepEqual(byId.headers.get('allow')?.split(', ').sort(), ['DELETE', 'GET', 'HEAD']);
  });

  test('passes every path outside /v1 to the next middleware', async () => {
    for (const path of ['/healthz', '/v10/access-tokens', '/v1x', '/token']) {
      const reply = await api.request('GET', path);
      assert.equal(reply.text, 'outside the management API', path);
      assert.equal(reply.headers.get('cache-control'), null, path);
    }
  });

  test('refuses a body that is not application/json with a 415 problem', async () => {
    const plain = await api.request('POST', '/v1/access-tokens', {
      token: writer,
      body: '{"name":"ci","scopes":["groups:read-only"]}',
      headers: { 'content-type': 'text/plain' },
    });
    assertProblem(plain, 415, 'unsupported_media_type');
    const form = await api.request('POST', '/v1/access-tokens', {
      token: writer,
      body: 'name=ci',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertProblem(form, 415, 'unsupported_media_type');
    const latin1 = await api.request('POST', '/v1/access-tokens', {
      token: writer,
      json: { name: 'ci', scopes: ['groups:read-only'] },
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
    });
    assertProblem(latin1, 415, 'unsupported_media_type');
    assert.equal(api.calls.length, 0);
  });

  test('accepts application/json with a UTF-8 charset', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      token: writer,
      json: { name: 'ci', scopes: ['groups:read-only'] },
      headers: { 'content-type': 'application/json; charset=UTF-8' },
    });
    assert.equal(reply.status, 201, reply.text);
  });

  test('answers malformed JSON with a 400 problem that does not echo the body', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      token: writer,
      body: '{"name": "ci", secret-looking-input',
      headers: { 'content-type': 'application/json' },
    });
    const body = assertProblem(reply, 400, 'invalid_input');
    assert.equal(body.detail, 'The request body is not valid JSON.');
    assert.doesNotMatch(reply.text, /secret-looking-input/);
  });

  test('answers a missing body with a 400 problem naming the whole document', async () => {
    const body = assertProblem(
      await api.request('POST', '/v1/access-tokens', { token: writer }),
      400,
      'invalid_input',
    );
    assert.deepEqual(body.errors, [{ pointer: '', detail: 'is required' }]);
  });

  test('answers a body over 64 KiB with a 413 problem', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      token: writer,
      json: { name: 'ci', scopes: ['groups:read-only'], padding: 'x'.repeat(64 * 1024) },
    });
    assertProblem(reply, 413, 'payload_too_large');

    // Without a Content-Length the limit is counted as the body streams in.
    const chunk = new TextEncoder().encode(`{"name":"${'x'.repeat(16 * 1024)}`);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const streamed = await fetch(`${api.url}/v1/access-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal(((await streamed.json()) as { code: string }).code, 'payload_too_large');
  });

  test('maps domain error codes to statuses and names the field in snake_case', async (t) => {
    const { accessTokens } = api.services;
    t.mock.method(accessTokens, 'createPersonal', async () => {
      throw invalidInput('expiresAt must be a date in the future', 'expiresAt');
    });
    const invalid = await api.request('POST', '/v1/access-tokens', {
      token: writer,
      json: { name: 'ci', scopes: ['groups:read-only'], expires_at: '2020-01-01' },
    });
    const problem = assertProblem(invalid, 400, 'invalid_input');
    assert.equal(problem.detail, 'expires_at must be a date in the future');
    assert.deepEqual(problem.errors, [
      { pointer: '/expires_at', detail: 'expires_at must be a date in the future' },
    ]);

    t.mock.method(accessTokens, 'createPersonal', async () => {
      throw conflict('an active token named "ci" already exists', 'name');
    });
    const taken = await api.request('POST', '/v1/access-tokens', {
      token: writer,
      json: { name: 'ci', scopes: ['groups:read-only'] },
    });
    assert.deepEqual(assertProblem(taken, 409, 'conflict').errors, [
      { pointer: '/name', detail: 'an active token named "ci" already exists' },
    ]);

    t.mock.method(accessTokens, 'getPersonal', async () => {
      throw notFound('no such token');
    });
    assertProblem(
      await api.request('GET', '/v1/access-tokens/tok_other', { token: writer }),
      404,
      'not_found',
    );

    t.mock.method(accessTokens, 'revokePersonal', async () => {
      throw new AppError('forbidden', 'a resource access token cannot manage tokens');
    });
    const forbidden = await api.request('DELETE', '/v1/access-tokens/tok_other', { token: writer });
    assertProblem(forbidden, 403, 'forbidden');
    assert.equal(forbidden.headers.get('www-authenticate'), null);

    t.mock.method(accessTokens, 'rotatePersonal', async () => {
      throw new AppError('unauthorized', 'the owner is disabled');
    });
    const unauthorized = await api.request('POST', '/v1/access-tokens/tok_other/rotate', { token: writer });
    assertProblem(unauthorized, 401, 'unauthorized');
    assert.equal(
      unauthorized.headers.get('www-authenticate'),
      'Bearer realm="tessera", error="invalid_token"',
    );
  });

  test('names a domain error about a parameter as that parameter', async (t) => {
    t.mock.method(api.services.accessTokens, 'listPersonal', async () => {
      throw invalidInput('cursor is not a cursor this API returned', 'cursor');
    });
    const reply = await api.request('GET', '/v1/access-tokens?cursor=bm9wZQ', { token: writer });
    assert.deepEqual(assertProblem(reply, 400, 'invalid_input').errors, [
      { parameter: 'cursor', detail: 'cursor is not a cursor this API returned' },
    ]);

    t.mock.method(api.services.resources, 'get', async () => {
      throw invalidInput('unknown resource type planets; known: groups', 'type');
    });
    const type = await api.request('GET', '/v1/resources/planets/1', { token: writer });
    assert.deepEqual(assertProblem(type, 400, 'invalid_input').errors, [
      { parameter: 'type', detail: 'unknown resource type planets; known: groups' },
    ]);
  });

  test('answers an outage with a 503 problem that hides the cause and says when to retry', async (t) => {
    t.mock.method(api.services.accessTokens, 'revokePersonal', async () => {
      throw new AppError('storage_unavailable', 'connect ECONNREFUSED 10.1.2.3:6379', {
        retryAfterSeconds: 2,
      });
    });
    const reply = await api.request('DELETE', '/v1/access-tokens/tok_abc', { token: writer });
    assertProblem(reply, 503, 'storage_unavailable');
    assert.equal(reply.headers.get('retry-after'), '2');
    assert.doesNotMatch(reply.text, /ECONNREFUSED|10\.1\.2\.3/);
    // An outage is logged once per connection state change (storage), not once per request.
    assert.ok(!api.logLines.some((line) => line.includes('ECONNREFUSED')));
  });

  test('answers a bug with a bare 500 problem: no message, no stack, but a request id to find the log', async (t) => {
    t.mock.method(api.services.accessTokens, 'getPersonal', async () => {
      throw new TypeError('cannot read properties of undefined (reading pepper) at /srv/tessera/src/x.ts:1');
    });
    const reply = await api.request('GET', '/v1/access-tokens/tok_abc', { token: writer });
    const body = assertProblem(reply, 500, 'internal');
    assert.doesNotMatch(reply.text, /pepper|\/srv\/tessera|TypeError|at /);
    assert.equal(body.request_id, reply.headers.get('x-request-id'));
    const logged = api.logLines.find((line) => line.includes('pepper'));
    assert.ok(logged);
    assert.equal(JSON.parse(logged).requestId, body.request_id);
  });

  test('answers a handler body that breaks its declared schema as a 500 when responses are checked', async (t) => {
    t.mock.method(api.services.accessTokens, 'getPersonal', async () =>
      personalView({ state: 'paused' as AccessTokenView['state'] }),
    );
    const reply = await api.request('GET', '/v1/access-tokens/tok_abc', { token: writer });
    assertProblem(reply, 500, 'internal');
  });
});
