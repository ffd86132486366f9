import { z } from 'zod';
import { apiBaseUrl } from './api-url.ts';
import type { Route } from './define-route.ts';
import { JSON_BODY_LIMIT } from './read-json-body.ts';
import { problemSchema } from '../problems/problem-response.ts';

type JsonSchema = { [key: string]: unknown };
export type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: { securitySchemes: JsonSchema; schemas: Record<string, JsonSchema> };
};

/** `/access-tokens/:id` (koa) → `/v1/access-tokens/{id}` (OpenAPI). */
export const openApiPath = (path: string): string => `/v1${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;

/**
 * zod writes a named schema (one with `.meta({ id })`) into `$defs` and points at it; the document
 * keeps those under `components.schemas` instead, shared by every operation.
 */
const createSchemaWriter = () => {
  const components: Record<string, JsonSchema> = {};
  const retarget = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(retarget);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === '$ref' && typeof inner === 'string'
          ? inner.replace('#/$defs/', '#/components/schemas/')
          : retarget(inner),
      ]),
    );
  };
  const write = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const {
      $schema: _dialect,
      $defs,
      ...rest
    } = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      // Requests are closed (unknown members are refused); responses stay open so that a member
      // added later does not break a client that validates against this document.
      override: ({ jsonSchema }) => {
        if (io === 'output') delete jsonSchema.additionalProperties;
      },
    });
    for (const [name, definition] of Object.entries($defs ?? {})) {
      const component = retarget(definition) as JsonSchema;
      if (components[name] && JSON.stringify(components[name]) !== JSON.stringify(component)) {
        throw new Error(`two different schemas are both named ${name}`);
      }
      components[name] = component;
    }
    return retarget(rest) as JsonSchema;
  };
  return { write, components };
};

type SchemaWriter = ReturnType<typeof createSchemaWriter>;

const parameters = (writer: SchemaWriter, schema: z.ZodObject | undefined, location: 'path' | 'query') => {
  if (!schema) return [];
  const json = writer.write(schema, 'input') as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, { description, ...property }]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    ...(typeof description === 'string' ? { description } : {}),
    schema: property,
  }));
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const operation = (writer: SchemaWriter, route: Route) => {
  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    if (Number(status) >= 400) {
      responses[status] = problem(spec.description);
      continue;
    }
    responses[status] = {
      description: spec.description,
      ...(spec.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(spec.headers).map(([name, header]) => [
                name,
                { description: header.description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(spec.schema
        ? { content: { 'application/json': { schema: writer.write(spec.schema, 'output') } } }
        : {}),
    };
  }
  // The problems every route of its kind can answer, whatever its handler does.
  if (route.params || route.query || route.body) {
    responses['400'] ??= problem('The request is malformed; `errors` names each bad field or parameter.');
  }
  if (route.auth !== 'none') {
    responses['401'] ??= problem('No bearer token, or one that is malformed, unknown, expired or revoked.');
    responses['403'] ??= problem('The token lacks the scope this needs, or its subject may not do this.');
  }
  if (route.body) {
    responses['413'] ??= problem(`The body is larger than ${JSON_BODY_LIMIT} bytes.`);
    responses['415'] ??= problem('The body is not application/json.');
  }
  responses.default = problem('Any other error, such as 503 when storage is unavailable.');

  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: route.tags,
    // Security requirements are alternatives: one per accepted scope, and admin accepted everywhere.
    security:
      route.auth === 'none'
        ? []
        : [...new Set([...route.auth.scopes, 'admin'])].map((scope) => ({ bearer: [scope] })),
    ...(route.params || route.query
      ? {
          parameters: [
            ...parameters(writer, route.params, 'path'),
            ...parameters(writer, route.query, 'query'),
          ],
        }
      : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: writer.write(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
};

/**
 * The OpenAPI 3.1 document of the management API, generated from the route definitions and their
 * zod schemas — the same objects that validate requests — so it cannot drift from what is served.
 * OpenAPI 3.1 schemas are JSON Schema draft 2020-12, which is what zod writes.
 */
export const createOpenApiDocument = (
  routes: readonly Route[],
  options: { issuer: string },
): OpenApiDocument => {
  const writer = createSchemaWriter();
  writer.write(problemSchema, 'output');
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(writer, route);
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Tessera management API',
      version: '1',
      description:
        'Personal and resource access tokens, the resources and memberships they are scoped to, and the audit log. ' +
        'JSON in and out (snake_case), RFC 9457 problems for errors, and `Cache-Control: no-store` on every response.',
    },
    servers: [{ url: apiBaseUrl(options.issuer) }],
    tags: [...new Set(routes.flatMap((route) => route.tags))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A JWT Tessera issued for the management API, or a personal access token. Scopes: tokens:read, ' +
            'tokens:write, resources:write, admin (admin satisfies every requirement).',
        },
      },
      schemas: writer.components,
    },
  };
};
