import { z } from 'zod';
import type { ResourceService } from '../../../domain/resources/resource.ts';
import type { UserService } from '../../../domain/users/user-service.ts';
import { defineRoute, type Route } from '../define-route.ts';
import { myResourceSchema, presentMyResource } from '../schemas/resource-json.ts';

const callerSchema = z
  .object({
    id: z.string().describe('The subject or client id: `usr_…`, `bot_…` or a client id.'),
    kind: z.enum(['user', 'bot', 'client']),
    username: z.string().nullable().describe('null for bots and clients.'),
    scopes: z.array(z.string()).describe('What the presented token may do here and now.'),
    grantable_scopes: z
      .array(z.string())
      .describe(
        'The scopes a personal access token of yours may carry: what you hold today. Empty for bots and clients.',
      ),
  })
  .meta({ id: 'Caller', description: 'Who the bearer token speaks for.' });

/** Who the caller is, and what the console shows its signed-in user. */
export const createMeRoutes = (deps: {
  resources: ResourceService;
  users: Pick<UserService, 'describe'>;
}): Route[] => [
  defineRoute({
    method: 'GET',
    path: '/me',
    operationId: 'getCaller',
    summary: 'Who you are',
    description:
      'The subject the bearer token speaks for, its effective scopes, and what your tokens may carry.',
    tags: ['Me'],
    auth: { scopes: ['tokens:read'] },
    responses: { 200: { description: 'The caller.', schema: callerSchema } },
    handler: async ({ actor }) => {
      const caller = await deps.users.describe(actor);
      return {
        status: 200,
        body: {
          id: caller.id,
          kind: caller.kind,
          username: caller.username,
          scopes: caller.scopes,
          grantable_scopes: caller.grantableScopes,
        },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/me/resources',
    operationId: 'listMyResources',
    summary: 'List the resources you are a member of',
    description:
      'Every resource you hold a role on: those you are a member of and everything below them, with the highest role that reaches each. An administrator holds owner on every resource, so theirs is every resource.',
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
