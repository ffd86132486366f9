import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MANAGEMENT_SCOPES } from '../../../../src/domain/permissions/policy.ts';
import type { Route } from '../../../../src/http/v1/define-route.ts';
import { createManagementRoutes } from '../../../../src/http/v1/management-routes.ts';
import { createFakeServices } from './fake-services.ts';
import { ISSUER, startManagementApi, type ManagementApiServer } from './management-api-server.ts';

/** A path that matches the route, with well-formed ids. */
const samplePath = (route: Route): string =>
  `/v1${route.path}`
    .replace(':type', 'groups')
    .replace(':tokenId', 'tok_sample')
    .replace(':subjectId', 'usr_sample')
    .replace(
      ':id',
      route.path.startsWith('/access-tokens')
        ? 'tok_sample'
        : route.path.startsWith('/webhooks')
          ? 'whk_sample'
          : '42',
    );

const routes = createManagementRoutes({ ...createFakeServices(), issuer: ISSUER });
const guarded = routes.filter((route) => route.auth !== 'none');

describe('bearer authentication of the management API', () => {
  let api: ManagementApiServer;
  before(async () => {
    api = await startManagementApi();
  });
  after(() => api.close());

  test('challenges a request without credentials with a bare Bearer realm', async () => {
    for (const headers of [{}, { authorization: 'Basic YWxpY2U6c2VjcmV0' }] as Record<string, string>[]) {
      const reply = await api.request('GET', '/v1/access-tokens', { headers });
      assert.equal(reply.status, 401);
      assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="tessera"');
      assert.equal(reply.headers.get('cache-control'), 'no-store');
      assert.equal(reply.json().code, 'unauthorized');
    }
    assert.equal(api.authentications.length, 0);
  });

  test('answers an unknown or malformed bearer token with invalid_token', async () => {
    for (const authorization of [
      'Bearer not-a-known-token',
      'Bearer two words',
      'Bearer',
      'bearer "quoted"',
    ]) {
      const reply = await api.request('GET', '/v1/access-tokens', { headers: { authorization } });
      assert.equal(reply.status, 401, authorization);
      assert.equal(
        reply.headers.get('www-authenticate'),
        'Bearer realm="tessera", error="invalid_token"',
        authorization,
      );
      assert.equal(reply.json().code, 'invalid_token');
    }
  });

  test('passes the token, the client IP and the user agent to authenticate', async () => {
    const token = api.tokenWith(['tokens:read']);
    await api.request('GET', '/v1/access-tokens', { token, headers: { 'user-agent': 'deploy-script/1.0' } });
    assert.deepEqual(api.authentications.at(-1), {
      token,
      meta: { ip: '127.0.0.1', userAgent: 'deploy-script/1.0' },
    });
  });

  test('hands the authenticated actor to the domain', async () => {
    const token = api.tokenWith(['tokens:read']);
    await api.request('GET', '/v1/access-tokens/tok_abc', { token });
    const call = api.calls.at(-1);
    assert.equal(call?.method, 'getPersonal');
    assert.ok(call.actor.kind === 'user');
    assert.match(call.actor.credential.tokenId, /^tok_bearer/);
  });

  test('refuses a token without the scope with 403 insufficient_scope naming the scope', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      token: api.tokenWith(['tokens:read']),
      json: { name: 'ci', scopes: ['groups:read-only'] },
    });
    assert.equal(reply.status, 403);
    assert.equal(
      reply.headers.get('www-authenticate'),
      'Bearer realm="tessera", error="insufficient_scope", scope="tokens:write"',
    );
    assert.equal(reply.json().code, 'insufficient_scope');
  });

  test('checks the token before the body, so a caller without access learns nothing about the input', async () => {
    const reply = await api.request('POST', '/v1/access-tokens', {
      body: 'not json',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(reply.status, 401);
  });

  for (const route of guarded) {
    const scopes = route.auth === 'none' ? [] : route.auth.scopes;
    test(`${route.method} ${route.path} needs one of ${scopes.join(', ')}, or admin`, async () => {
      const path = samplePath(route);
      assert.equal((await api.request(route.method, path)).status, 401);

      const others = MANAGEMENT_SCOPES.filter((scope) => scope !== 'admin' && !scopes.includes(scope));
      const refused = await api.request(route.method, path, { token: api.tokenWith(others) });
      assert.equal(refused.status, 403, refused.text);
      assert.equal(
        refused.headers.get('www-authenticate'),
        `Bearer realm="tessera", error="insufficient_scope", scope="${scopes.join(' ')}"`,
      );

      for (const granted of [...scopes.map((scope) => [scope]), ['admin']]) {
        const reply = await api.request(route.method, path, { token: api.tokenWith(granted) });
        assert.ok(
          ![401, 403, 404, 405].includes(reply.status),
          `${granted.join(' ')}: ${reply.status} ${reply.text}`,
        );
      }
    });
  }

  test('serves the OpenAPI document without a token', async () => {
    const before = api.authentications.length;
    const reply = await api.request('GET', '/v1/openapi.json');
    assert.equal(reply.status, 200);
    assert.equal(api.authentications.length, before);
  });
});
