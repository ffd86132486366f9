import { z } from 'zod';
import type { AuthorizationService } from '../../../domain/authorizations/authorization-service.ts';
import { defineRoute, type Route } from '../define-route.ts';
import { clientIdSchema } from '../schemas/client-json.ts';
import { timestampSchema, toTimestamp } from '../schemas/timestamp.ts';

const authorizationSchema = z
  .object({
    client_id: z.string(),
    client_name: z.string(),
    resources: z.array(z.string()).describe('The APIs it may call for you.'),
    scopes: z.array(z.string()).describe('What it may do there (and openid: know who you are).'),
    authorized_at: timestampSchema,
  })
  .meta({ id: 'Authorization', description: 'An application you allowed to act for you.' });

/** The applications the caller allowed on the consent page, and taking that back. */
export const createAuthorizationRoutes = (deps: {
  authorizations: AuthorizationService;
  /** Drops the revoked grants' tokens from the token store at once. */
  destroyGrants?: (grantIds: string[]) => Promise<void>;
}): Route[] => [
  defineRoute({
    method: 'GET',
    path: '/me/authorizations',
    operationId: 'listMyAuthorizations',
    summary: 'List the applications you authorized',
    tags: ['Me'],
    auth: { scopes: ['tokens:read'] },
    responses: {
      200: {
        description: 'Your authorized applications.',
        schema: z.object({ data: z.array(authorizationSchema) }),
      },
    },
    handler: async ({ actor }) => ({
      status: 200,
      body: {
        data: (await deps.authorizations.listMine(actor)).map((app) => ({
          client_id: app.clientId,
          client_name: app.clientName,
          resources: app.resources,
          scopes: app.scopes,
          authorized_at: toTimestamp(app.authorizedAt),
        })),
      },
    }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/me/authorizations/:clientId',
    operationId: 'revokeMyAuthorization',
    summary: 'Revoke an application you authorized',
    description: 'Every access and refresh token you let it have stops working; it must ask you again.',
    tags: ['Me'],
    auth: { scopes: ['tokens:write'] },
    params: z.strictObject({ clientId: clientIdSchema }),
    responses: { 204: { description: 'Revoked.' }, 404: { description: 'You have not authorized it.' } },
    handler: async ({ actor, params }) => {
      const grantIds = await deps.authorizations.revoke(actor, params.clientId);
      await deps.destroyGrants?.(grantIds);
      return { status: 204, body: undefined };
    },
  }),
];
