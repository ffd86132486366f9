import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTesseraClient, TesseraProblem, unwrap } from '../src/index.ts';

/**
 * The client's own behaviour, against a stand-in server that records what it receives: the bearer
 * hook, and how answers become `data`, `error` and thrown `TesseraProblem`s.
 */
describe('@tessera/client', () => {
  let server: Server;
  let baseUrl: string;
  const seen: { method?: string; url?: string; authorization?: string }[] = [];
  let answer: { status: number; type: string; body: string } = {
    status: 200,
    type: 'application/json',
    body: '{}',
  };

  before(async () => {
    server = createServer((request: IncomingMessage, response) => {
      seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization });
      response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  const problem = {
    type: 'about:blank',
    title: 'Conflict',
    status: 409,
    detail: 'You already have an active token named "ci".',
    code: 'conflict',
    errors: [{ pointer: '/name', detail: 'taken' }],
  };

  test('sends the static token, or asks getToken before every request', async () => {
    seen.length = 0;
    answer = { status: 200, type: 'application/json', body: '{"data":[],"next_cursor":null}' };
    await createTesseraClient({ baseUrl, token: 'tsr_pat_static' }).GET('/v1/access-tokens');
    let calls = 0;
    const rotating = createTesseraClient({ baseUrl, getToken: async () => `jwt-${++calls}` });
    await rotating.GET('/v1/access-tokens', { params: { query: { state: 'all' } } });
    await rotating.GET('/v1/access-tokens/{id}', { params: { path: { id: 'tok_1' } } });
    assert.deepEqual(seen, [
      { method: 'GET', url: '/v1/access-tokens', authorization: 'Bearer tsr_pat_static' },
      { method: 'GET', url: '/v1/access-tokens?state=all', authorization: 'Bearer jwt-1' },
      { method: 'GET', url: '/v1/access-tokens/tok_1', authorization: 'Bearer jwt-2' },
    ]);
  });

  test('a problem answer is the typed error, and unwrap throws it as a TesseraProblem', async () => {
    answer = { status: 409, type: 'application/problem+json', body: JSON.stringify(problem) };
    const client = createTesseraClient({ baseUrl, token: 't' });
    const body = { name: 'ci', scopes: ['tokens:read'] };
    const { data, error } = await client.POST('/v1/access-tokens', { body });
    assert.equal(data, undefined);
    assert.deepEqual(error, problem);
    await assert.rejects(unwrap(client.POST('/v1/access-tokens', { body })), (thrown: unknown) => {
      assert.ok(thrown instanceof TesseraProblem);
      assert.equal(thrown.status, 409);
      assert.equal(thrown.code, 'conflict');
      assert.equal(thrown.message, problem.detail);
      assert.deepEqual(thrown.errors, problem.errors);
      assert.deepEqual(thrown.problem, problem);
      return true;
    });
  });

  test('an answer that is not a problem document still throws a TesseraProblem, code unexpected_response', async () => {
    answer = { status: 502, type: 'text/html', body: '<h1>Bad Gateway</h1>' };
    const client = createTesseraClient({ baseUrl, token: 't' });
    await assert.rejects(unwrap(client.GET('/v1/access-tokens')), (thrown: unknown) => {
      assert.ok(thrown instanceof TesseraProblem);
      assert.equal(thrown.status, 502);
      assert.equal(thrown.code, 'unexpected_response');
      assert.match(thrown.message, /502 .*Bad Gateway/);
      return true;
    });
  });

  test('unwrap answers the typed body of a success', async () => {
    answer = { status: 200, type: 'application/json', body: '{"data":[],"next_cursor":null}' };
    const page = await unwrap(createTesseraClient({ baseUrl, token: 't' }).GET('/v1/access-tokens'));
    assert.deepEqual(page, { data: [], next_cursor: null });
  });

  test('refuses options it cannot work with, naming them', () => {
    assert.throws(() => createTesseraClient({ baseUrl: 'not a url', token: 't' }), /baseUrl/);
    assert.throws(() => createTesseraClient({ baseUrl } as never), /exactly one of token and getToken/);
    assert.throws(
      () => createTesseraClient({ baseUrl, token: 't', getToken: () => 'u' } as never),
      /exactly one of token and getToken/,
    );
    assert.throws(() => createTesseraClient({ baseUrl, token: '' }), /token must be a non-empty string/);
  });
});
