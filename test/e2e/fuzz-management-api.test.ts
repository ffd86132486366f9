import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { productionEnv, productionSkipReason, type ProductionEnv } from '../helpers/production-env.ts';
import {
  fuzzParameters,
  hostileComponent,
  hostileHeaderValue,
  hostileJson,
  hostileText,
  percentText,
  stackTraceIn,
} from '../helpers/hostile-values.ts';
import { rawRequest, type RawResponse } from '../helpers/raw-http.ts';
import {
  cliJson,
  runCli,
  startTessera,
  suiteScope,
  type TesseraInstance,
} from '../helpers/tessera-process.ts';

/**
 * Property-based fuzzing of the management API, driven by its own OpenAPI document: every
 * operation, with hostile path parameters, query parameters and JSON bodies (the declared types
 * filled with hostile strings, and wrong types), as an administrator. Whatever comes in, the
 * answer is below 500, a problem document when it is an error, with no stack trace — and a
 * rejected request writes nothing.
 */
type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
};
type Parameter = { name: string; in: 'path' | 'query'; schema: Schema };
type Operation = {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
};
type OpenApi = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

type FuzzRequest = {
  path: string;
  query: [string, string][];
  body: { type: string; body: Buffer } | undefined | null;
  authorization: Buffer;
  extraHeader: [string, Buffer] | null;
  method: string;
};

const TABLES = [
  'access_tokens',
  'resources',
  'memberships',
  'subjects',
  'audit_events',
  'clients',
  'api_resources',
];

describe('the management API under fuzzed input', { skip: await productionSkipReason() }, () => {
  const scope = suiteScope(after);
  let production: ProductionEnv;
  let tessera: TesseraInstance;
  let document: OpenApi;
  let adminToken: string;
  /** Values that exist, so some fuzzed requests get past "not found" into the handlers. */
  const known: Record<string, string[]> = {};

  before(async () => {
    const env = await productionEnv(scope);
    assert.ok(env, 'PostgreSQL and Redis are needed');
    production = env;
    tessera = await startTessera(scope, production.env);
    const user = await runCli(
      production.env,
      ['users', 'create', '--username', 'fuzz-admin', '--password-stdin', '--admin', '--json'],
      'correct horse battery staple\n',
    );
    assert.equal(user.code, 0, user.stderr);
    const admin = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'fuzz-admin',
      '--name',
      'fuzzer',
      '--scopes',
      'admin',
      '--expires-in-days',
      '1',
    ]);
    adminToken = admin.token;
    const victim = await cliJson<{ id: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'fuzz-admin',
      '--name',
      'victim',
      '--scopes',
      'tokens:read',
      '--expires-in-days',
      '1',
    ]);
    const put = await fetch(`${tessera.url}/v1/resources/groups/42`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Platform', parent: null }),
    });
    assert.equal(put.status, 201);
    known.id = ['42', '7'];
    known.type = ['groups', 'applications', 'instances'];
    known.tokenId = [victim.id];
    known.subjectId = [JSON.parse(user.stdout).id as string];
    document = (await (await fetch(`${tessera.url}/v1/openapi.json`)).json()) as OpenApi;
  });

  const counts = async (): Promise<Record<string, number>> => {
    const rows = await production.sql(
      TABLES.map((table) => `select '${table}' as name, count(*)::int as n from ${table}`).join(
        ' union all ',
      ),
    );
    return Object.fromEntries(rows.map((row) => [row.name as string, row.n as number]));
  };

  const resolve = (schema: Schema): Schema =>
    schema.$ref ? resolve(document.components.schemas[schema.$ref.split('/').at(-1) ?? ''] ?? {}) : schema;

  /** Values of the schema's type carrying hostile strings, now and then a value of another type. */
  const valueOf = (raw: Schema, depth = 0): fc.Arbitrary<unknown> => {
    const schema = resolve(raw);
    const wrong = { weight: 1, arbitrary: hostileJson };
    const alternatives = schema.anyOf ?? schema.oneOf;
    if (alternatives && depth < 4)
      return fc.oneof(...alternatives.map((item) => valueOf(item, depth + 1)), hostileJson);
    if (schema.enum) return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...schema.enum) }, wrong);
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    switch (type) {
      case 'object': {
        if (depth >= 4) return hostileJson;
        const members = Object.fromEntries(
          Object.entries(schema.properties ?? {}).map(([name, member]) => [name, valueOf(member, depth + 1)]),
        );
        return fc.oneof(
          { weight: 4, arbitrary: fc.record(members, { requiredKeys: [] }) },
          {
            weight: 1,
            arbitrary: fc
              .tuple(fc.record(members), fc.dictionary(hostileText, hostileJson, { maxKeys: 2 }))
              .map(([declared, extra]) => ({ ...extra, ...declared })),
          },
          wrong,
        );
      }
      case 'array':
        return fc.oneof(
          { weight: 4, arbitrary: fc.array(valueOf(schema.items ?? {}, depth + 1), { maxLength: 4 }) },
          wrong,
        );
      case 'integer':
      case 'number':
        return fc.oneof({ weight: 3, arbitrary: fc.oneof(fc.integer(), fc.double()) }, wrong);
      case 'boolean':
        return fc.oneof({ weight: 3, arbitrary: fc.boolean() }, wrong);
      case 'null':
        return fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, wrong);
      default:
        return fc.oneof({ weight: 4, arbitrary: hostileText }, wrong);
    }
  };

  const pathValue = (name: string): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...(known[name] ?? ['x'])).map(percentText) },
      { weight: 3, arbitrary: hostileComponent.filter((value) => value.length > 0 && value.length < 8_000) },
    );

  const bodyOf = (operation: Operation): fc.Arbitrary<{ type: string; body: Buffer } | undefined> => {
    const schema = operation.requestBody?.content['application/json'].schema;
    const json = (value: unknown) => ({
      type: 'application/json',
      body: Buffer.from(JSON.stringify(value) ?? 'null'),
    });
    return fc.oneof(
      { weight: 6, arbitrary: (schema ? valueOf(schema) : hostileJson).map(json) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.record({
          type: fc.constantFrom(
            'application/json',
            'application/json; charset=latin1',
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json\u0000',
          ),
          body: fc.oneof(
            fc.uint8Array({ maxLength: 64 }).map((value) => Buffer.from(value)),
            fc
              .constantFrom('{"name":"\\u0000"}', '{"name":"\\ud800"}', '{', '[]', '"x"', 'x'.repeat(70_000))
              .map((text) => Buffer.from(text)),
          ),
        }),
      },
    );
  };

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        path,
        method: method.toUpperCase(),
        operation,
      })),
    );

  const validQueryValue = (parameter: Parameter): fc.Arbitrary<string> => {
    const schema = resolve(parameter.schema);
    if (schema.enum) return fc.constantFrom(...schema.enum.map(String));
    if (parameter.name === 'limit') return fc.constantFrom('1', '20', '100');
    if (parameter.name === 'since') return fc.constant('2026-01-01T00:00:00Z');
    if (parameter.name === 'until') return fc.constant('2030-01-01T00:00:00.000Z');
    return fc.constantFrom('a', 'groups', '42', 'access_token.create', known.subjectId?.[0] ?? 'usr_x');
  };

  const requestFor = (path: string, method: string, operation: Operation): fc.Arbitrary<FuzzRequest> => {
    const parameters = operation.parameters ?? [];
    const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
    const queryParameters = parameters.filter((parameter) => parameter.in === 'query');
    return fc.record({
      path: fc
        .tuple(...pathParameters.map((parameter) => pathValue(parameter.name)))
        .map((values) =>
          pathParameters.reduce(
            (target, parameter, index) => target.replace(`{${parameter.name}}`, values[index] ?? ''),
            path,
          ),
        ),
      // Each declared parameter well-formed or absent, but one hostile, so it reaches the handler;
      // now and then one nobody declared.
      query: fc
        .tuple(
          fc.record(
            Object.fromEntries(
              queryParameters
                .filter((parameter) => parameter.name !== 'cursor')
                .map((parameter) => [parameter.name, validQueryValue(parameter)]),
            ),
            { requiredKeys: [] },
          ),
          queryParameters.length > 0
            ? fc.option(
                fc.tuple(
                  fc.constantFrom(...queryParameters.map((parameter) => parameter.name)),
                  hostileComponent.filter((value) => value.length < 6_000),
                ),
                { freq: 8 },
              )
            : fc.constant(null),
          fc.oneof(
            { weight: 6, arbitrary: fc.constant(null) },
            { weight: 1, arbitrary: fc.tuple(hostileComponent, hostileComponent) },
          ),
        )
        .map(([declared, hostile, extra]) => {
          const values: Record<string, string> = { ...(declared as Record<string, string>) };
          if (hostile) values[hostile[0]] = hostile[1];
          return [...Object.entries(values), ...(extra ? [extra] : [])];
        }),
      body: operation.requestBody
        ? bodyOf(operation)
        : fc.oneof(
            { weight: 4, arbitrary: fc.constant(undefined) },
            { weight: 1, arbitrary: bodyOf(operation) },
          ),
      authorization: fc.oneof(
        { weight: 12, arbitrary: fc.constant(Buffer.from(`Bearer ${adminToken}`)) },
        {
          weight: 1,
          arbitrary: hostileHeaderValue.map((value) => Buffer.concat([Buffer.from('Bearer '), value])),
        },
        { weight: 1, arbitrary: hostileHeaderValue },
      ),
      extraHeader: fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        {
          weight: 1,
          arbitrary: fc.tuple(
            fc.constantFrom('x-request-id', 'x-forwarded-for', 'user-agent', 'accept'),
            hostileHeaderValue,
          ),
        },
      ),
      method: fc.oneof(
        { weight: 15, arbitrary: fc.constant(method) },
        { weight: 1, arbitrary: fc.constantFrom('PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'FOO') },
      ),
    });
  };

  const send = (request: FuzzRequest): Promise<RawResponse> => {
    const { path, query, body, authorization, extraHeader, method } = request;
    const search = query.map(([name, value]) => `${name}=${value}`).join('&');
    return rawRequest(tessera.url, {
      method,
      target: search ? `${path}?${search}` : path,
      headers: [
        ['Authorization', authorization],
        ...(extraHeader ? [extraHeader] : []),
        ...(body ? ([['Content-Type', body.type]] as [string, string][]) : []),
      ],
      body: body?.body,
    });
  };

  test('every operation answers hostile input below 500, as a problem, and a refusal writes nothing', async () => {
    let cases = 0;
    const statuses: Record<number, number> = {};
    // The row counts after the last request: a refused request must leave them as they were.
    let last = await counts();
    for (const { path, method, operation } of operations()) {
      await fc.assert(
        fc.asyncProperty(requestFor(path, method, operation), async (request) => {
          const response = await send(request);
          cases += 1;
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          const where = `${operation.operationId} → ${response.status} ${response.text.slice(0, 300)}`;
          assert.ok(response.status >= 200 && response.status < 500, where);
          assert.ok(!stackTraceIn(response.text), `stack trace: ${where}`);
          // Node's HTTP parser refuses malformed requests itself, before Tessera sees them: an
          // empty 400 (bad bytes) or 431 (headers too large).
          const fromParser =
            (response.status === 400 || response.status === 431) && response.body.length === 0;
          if (response.status >= 400 && !fromParser && request.method !== 'HEAD') {
            assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/, where);
            assert.equal(typeof (JSON.parse(response.text) as { code?: unknown }).code, 'string', where);
          }
          const now = await counts();
          if (response.status >= 400) assert.deepEqual(now, last, `a refused request wrote: ${where}`);
          last = now;
        }),
        fuzzParameters(120),
      );
    }
    assert.ok(cases >= 1_000, `${cases} cases`);
    console.log(`management API fuzz: ${cases} requests, statuses ${JSON.stringify(statuses)}`);
    const errors = tessera
      .logs()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    assert.deepEqual(errors, [], 'no ERROR line in the server log');
  });
});
