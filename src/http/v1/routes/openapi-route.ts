import { z } from 'zod';
import { defineRoute, type Route } from '../define-route.ts';
import type { OpenApiDocument } from '../openapi-document.ts';

/** Public, like discovery: a client needs the document before it has a token. */
export const createOpenApiRoute = (document: () => OpenApiDocument): Route =>
  defineRoute({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI document',
    tags: ['Meta'],
    auth: 'none',
    responses: {
      200: {
        description: 'The OpenAPI 3.1 document of the management API.',
        schema: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }),
      },
    },
    handler: async () => ({ status: 200, body: document() }),
  });
