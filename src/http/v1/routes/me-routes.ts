import { z } from 'zod';
import type { ResourceService } from '../../../domain/resources/resource.ts';
import { defineRoute, type Route } from '../define-route.ts';
import { myResourceSchema, presentMyResource } from '../schemas/resource-json.ts';

/** What the console shows its signed-in user: the resources they may create tokens on. */
export const createMeRoutes = (deps: { resources: ResourceService }): Route[] => [
  defineRoute({
    method: 'GET',
    path: '/me/resources',
    operationId: 'listMyResources',
    summary: 'List the resources you are a member of',
    tags: ['Me'],
    auth: { scopes: ['tokens:read'] },
    responses: {
      200: {
        description: 'The resources, each with your role.',
        schema: z.object({ data: z.array(myResourceSchema) }),
      },
    },
    handler: async ({ actor }) => ({
      status: 200,
      body: { data: (await deps.resources.listMine(actor)).map(presentMyResource) },
    }),
  }),
];
