import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createManagementRouter } from '../../../../src/http/v1/create-management-api.ts';
import { createManagementRoutes } from '../../../../src/http/v1/management-routes.ts';
import { createFakeServices } from './fake-services.ts';
import { ISSUER, startManagementApi, type ManagementApiServer } from './management-api-server.ts';

type Operation = {
  operationId: string;
  security: Record<string, string[]>[];
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};
type Document = {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, Record<string, unknown>> };
};

const routes = createManagementRoutes({ ...createFakeServices(), issuer: ISSUER });
const operations = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      key: `${method.toUpperCase()} ${path}`,
      operation,
    })),
  );

describe('the OpenAPI document at /v1/openapi.json', () => {
  let api: ManagementApiServer;
  let document: Document;
  before(async () => {
    api = await startManagementApi();
    const reply = await api.request('GET', '/v1/openapi.json');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    document = reply.json() as Document;
  });
  after(() => api.close());

  test('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    assert.deepEqual(result.errors, undefined);
    assert.equal(result.valid, true);
    assert.equal(validator.version, '3.1');
    assert.doesNotThrow(() => validator.resolveRefs());
    assert.deepEqual(document.servers, [{ url: ISSUER }]);
  });

  test('lists exactly the operations the router serves', () => {
    const router = createManagementRouter(routes, { authenticate: async () => undefined });
    const served = router.stack.flatMap((layer) =>
      layer.methods
        .filter((method) => method !== 'HEAD') // koa-router adds HEAD to every GET; HTTP implies it
        .map((method) => `${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
    );
    assert.equal(new Set(served).size, served.length, 'no operation is served twice');
    assert.deepEqual(
      operations(document)
        .map(({ key }) => key)
        .sort(),
      served.sort(),
    );
  });

  test('answers every documented operation at the documented path, never with 404 or 405', async () => {
    const admin = api.tokenWith(['admin']);
    for (const { key } of operations(document)) {
      const [method = '', path = ''] = key.split(' ');
      const concrete = path
        .replace('{type}', 'groups')
        .replace('{tokenId}', 'tok_sample')
        .replace('{subjectId}', 'usr_sample')
        .replace('{id}', path.startsWith('/v1/access-tokens') ? 'tok_sample' : '42');
      const reply = await api.request(method, concrete, { token: admin });
      assert.ok(![404, 405].includes(reply.status), `${key}: ${reply.status} ${reply.text}`);
    }
  });

  test("declares each operation's scopes as alternatives, admin always among them", () => {
    for (const route of routes) {
      const operation =
        document.paths[`/v1${route.path.replace(/:(\w+)/g, '{$1}')}`]?.[route.method.toLowerCase()];
      assert.ok(operation, route.operationId);
      assert.equal(operation.operationId, route.operationId);
      const expected =
        route.auth === 'none'
          ? []
          : [...new Set([...route.auth.scopes, 'admin'])].map((scope) => ({ bearer: [scope] }));
      assert.deepEqual(operation.security, expected, route.operationId);
    }
    assert.deepEqual(document.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      description: (document.components.securitySchemes.bearer as { description: string }).description,
    });
  });

  test('describes path and query parameters and JSON request bodies from the zod schemas', () => {
    const list = document.paths['/v1/access-tokens']?.get;
    assert.deepEqual(
      list?.parameters.map(({ name, in: location, required }) => [name, location, required]),
      [
        ['state', 'query', false],
        ['limit', 'query', false],
        ['cursor', 'query', false],
      ],
    );
    const get = document.paths['/v1/resources/{type}/{id}/access-tokens/{tokenId}']?.get;
    assert.deepEqual(
      get?.parameters.map(({ name, in: location, required }) => [name, location, required]),
      [
        ['type', 'path', true],
        ['id', 'path', true],
        ['tokenId', 'path', true],
      ],
    );
    const create = document.paths['/v1/access-tokens']?.post;
    const body = create?.requestBody?.content['application/json']?.schema;
    assert.equal(body?.additionalProperties, false);
    assert.deepEqual(body?.required, ['name', 'scopes']);
    assert.deepEqual(body?.not, { required: ['expires_at', 'expires_in_days'] });
  });

  test('answers with named schemas, the token only in the issued ones, and problems for every error', () => {
    const { schemas } = document.components;
    for (const name of ['PersonalAccessToken', 'ResourceAccessToken', 'Resource', 'Member', 'AuditEvent']) {
      assert.ok(schemas[name], name);
      assert.equal(Object.hasOwn(schemas[name]?.properties as object, 'token'), false, name);
    }
    assert.deepEqual((schemas.IssuedPersonalAccessToken?.required as string[]).includes('token'), true);
    assert.deepEqual(
      document.paths['/v1/access-tokens']?.post?.responses['201']?.content?.['application/json']?.schema,
      { $ref: '#/components/schemas/IssuedPersonalAccessToken' },
    );
    for (const { key, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status !== 'default' && Number(status) < 400) continue;
        assert.deepEqual(
          response.content,
          { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          `${key} ${status}`,
        );
      }
      if (operation.security.length > 0)
        assert.ok(operation.responses['401'] && operation.responses['403'], key);
      if (operation.requestBody) assert.ok(operation.responses['415'] && operation.responses['400'], key);
    }
  });
});
