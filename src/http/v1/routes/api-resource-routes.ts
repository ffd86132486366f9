import { z } from 'zod';
import type { ApiResource } from '../../../domain/api-resources/api-resource.ts';
import { SIGNING_ALGS, TOKEN_FORMATS } from '../../../domain/api-resources/api-resource.ts';
import type { ApiResourceService } from '../../../domain/api-resources/api-resource-service.ts';
import { apiUrl } from '../api-url.ts';
import { defineRoute, type Route } from '../define-route.ts';
import { displayNameSchema, scopeSchema } from '../schemas/identifiers.ts';
import { timestampSchema, toTimestamp } from '../schemas/timestamp.ts';

/**
 * The APIs Tessera issues tokens for (what `tessera api-resources` does), for administrators. The
 * identifier is a URI, so in a path it is percent-encoded: `/v1/api-resources/https%3A%2F%2Fapi.example.test`.
 */
const TAGS = ['API resources'];
const ADMIN = { scopes: ['admin'] } as const;
const onApi = z.strictObject({
  identifier: z
    .string()
    .min(1)
    .max(2000)
    .describe('The API identifier (RFC 8707 resource), percent-encoded.'),
});
const notFound = { description: 'No such API resource.' };

const apiResourceSchema = z
  .object({
    identifier: z.string(),
    name: z.string(),
    format: z.enum(TOKEN_FORMATS),
    access_token_ttl: z.number().int(),
    scopes: z.array(z.string()),
    signing_alg: z.enum(SIGNING_ALGS),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({
    id: 'ApiResource',
    description: 'An API that accepts Tessera tokens; its identifier is their `aud`.',
  });

const createBodySchema = z
  .strictObject({
    identifier: z
      .string()
      .max(2000)
      .describe('An absolute URI without a fragment: the `resource` clients ask for.'),
    name: displayNameSchema,
    format: z.enum(TOKEN_FORMATS).optional().describe('`jwt` (default) or `opaque`.'),
    access_token_ttl: z.number().int().optional().describe('Seconds, at most a day; default an hour.'),
    scopes: z.array(scopeSchema).max(200).optional(),
    signing_alg: z.enum(SIGNING_ALGS).optional().describe('For `jwt`: ES256 (default), RS256 or EdDSA.'),
  })
  .meta({ id: 'ApiResourceCreate' });

const present = (api: ApiResource): z.input<typeof apiResourceSchema> => ({
  identifier: api.identifier,
  name: api.name,
  format: api.format,
  access_token_ttl: api.accessTokenTtl,
  scopes: api.scopes,
  signing_alg: api.signingAlg,
  created_at: toTimestamp(api.createdAt),
  updated_at: toTimestamp(api.updatedAt),
});

export const createApiResourceRoutes = (deps: {
  apiResources: ApiResourceService;
  issuer: string;
}): Route[] => [
  defineRoute({
    method: 'POST',
    path: '/api-resources',
    operationId: 'createApiResource',
    summary: 'Register an API',
    tags: TAGS,
    auth: ADMIN,
    body: createBodySchema,
    responses: {
      201: {
        description: 'Registered.',
        schema: apiResourceSchema,
        headers: { Location: { description: 'The URL of the API resource.' } },
      },
      409: { description: 'An API with this identifier exists.' },
    },
    handler: async ({ actor, body }) => {
      const api = await deps.apiResources.create(actor, {
        identifier: body.identifier,
        name: body.name,
        format: body.format,
        accessTokenTtl: body.access_token_ttl,
        scopes: body.scopes,
        signingAlg: body.signing_alg,
      });
      return {
        status: 201,
        body: present(api),
        headers: { Location: apiUrl(deps.issuer, 'api-resources', api.identifier) },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api-resources',
    operationId: 'listApiResources',
    summary: 'List APIs',
    tags: TAGS,
    auth: ADMIN,
    responses: { 200: { description: 'Every API.', schema: z.object({ data: z.array(apiResourceSchema) }) } },
    handler: async () => ({ status: 200, body: { data: (await deps.apiResources.list()).map(present) } }),
  }),
  defineRoute({
    method: 'GET',
    path: '/api-resources/:identifier',
    operationId: 'getApiResource',
    summary: 'Get an API',
    tags: TAGS,
    auth: ADMIN,
    params: onApi,
    responses: { 200: { description: 'The API.', schema: apiResourceSchema }, 404: notFound },
    handler: async ({ params }) => ({
      status: 200,
      body: present(await deps.apiResources.get(params.identifier)),
    }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api-resources/:identifier',
    operationId: 'deleteApiResource',
    summary: 'Delete an API',
    description: 'Refused while a client uses it, and for the management API, which is built in.',
    tags: TAGS,
    auth: ADMIN,
    params: onApi,
    responses: {
      204: { description: 'Deleted.' },
      403: { description: 'The management API is built in.' },
      404: notFound,
      409: { description: 'A client uses it.' },
    },
    handler: async ({ actor, params }) => {
      await deps.apiResources.remove(actor, params.identifier);
      return { status: 204, body: undefined };
    },
  }),
];
