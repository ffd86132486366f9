import { z } from 'zod';
import type { ClientService } from '../../../domain/clients/client-service.ts';
import { apiUrl } from '../api-url.ts';
import { defineRoute, type Route } from '../define-route.ts';
import {
  clientIdSchema,
  clientSchema,
  createClientBodySchema,
  issuedClientSchema,
  presentClient,
  presentIssuedClient,
  rotateSecretBodySchema,
  toCreateClientInput,
  toUpdateClientInput,
  updateClientBodySchema,
} from '../schemas/client-json.ts';

const TAGS = ['Clients'];
/** Registering clients decides who may get tokens for what: administrators only. */
const ADMIN = { scopes: ['admin'] } as const;
const onClient = z.strictObject({ clientId: clientIdSchema });
const notFound = { description: 'No such client.' };
const builtIn = { description: 'The client is built in (the console): it cannot be changed or deleted.' };

/** OAuth clients: services, and the applications people sign in to. Every change is audited. */
export const createClientRoutes = (deps: { clients: ClientService; issuer: string }): Route[] => {
  const { clients, issuer } = deps;
  return [
    defineRoute({
      method: 'POST',
      path: '/clients',
      operationId: 'createClient',
      summary: 'Register a client',
      description:
        'A `web` app or a `service` gets a `client_secret`, shown in this answer only — unless it is registered with `token_endpoint_auth_method: private_key_jwt` and its public keys (`jwks` or `jwks_uri`), when it has no secret and signs JWT assertions (RFC 7523) instead; an `spa` or `native` app is a public client (`token_endpoint_auth_method: none`) that must use PKCE.',
      tags: TAGS,
      auth: ADMIN,
      body: createClientBodySchema,
      responses: {
        201: {
          description: 'Registered.',
          schema: issuedClientSchema,
          headers: { Location: { description: 'The URL of the client.' } },
        },
      },
      handler: async ({ actor, body }) => {
        const created = await clients.create(actor, toCreateClientInput(body));
        return {
          status: 201,
          body: presentIssuedClient(created),
          headers: { Location: apiUrl(issuer, 'clients', created.clientId) },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/clients',
      operationId: 'listClients',
      summary: 'List clients',
      tags: TAGS,
      auth: ADMIN,
      responses: { 200: { description: 'Every client.', schema: z.object({ data: z.array(clientSchema) }) } },
      handler: async () => ({ status: 200, body: { data: (await clients.list()).map(presentClient) } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/clients/:clientId',
      operationId: 'getClient',
      summary: 'Get a client',
      tags: TAGS,
      auth: ADMIN,
      params: onClient,
      responses: { 200: { description: 'The client.', schema: clientSchema }, 404: notFound },
      handler: async ({ params }) => ({
        status: 200,
        body: presentClient(await clients.get(params.clientId)),
      }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/clients/:clientId',
      operationId: 'updateClient',
      summary: 'Change a client',
      description:
        'The result is checked as a new client would be: a change cannot leave an unusable client behind.',
      tags: TAGS,
      auth: ADMIN,
      params: onClient,
      body: updateClientBodySchema,
      responses: { 200: { description: 'Changed.', schema: clientSchema }, 403: builtIn, 404: notFound },
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: presentClient(await clients.update(actor, params.clientId, toUpdateClientInput(body))),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/clients/:clientId',
      operationId: 'deleteClient',
      summary: 'Delete a client',
      description: 'Every token and grant issued to it is revoked with it.',
      tags: TAGS,
      auth: ADMIN,
      params: onClient,
      responses: { 204: { description: 'Deleted.' }, 403: builtIn, 404: notFound },
      handler: async ({ actor, params }) => {
        await clients.remove(actor, params.clientId);
        return { status: 204, body: undefined };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/clients/:clientId/secret',
      operationId: 'rotateClientSecret',
      summary: "Rotate a client's secret",
      description:
        'Answers with the new secret, once. With `keep_old_for_seconds`, the old secret keeps working until `previous_secret_expires_at`, so the client can be moved to the new one without downtime.',
      tags: TAGS,
      auth: ADMIN,
      params: onClient,
      body: rotateSecretBodySchema,
      responses: {
        200: { description: 'The new secret.', schema: issuedClientSchema },
        403: builtIn,
        404: notFound,
        409: { description: 'A public client, or one with keys (private_key_jwt), has no secret.' },
      },
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: presentIssuedClient(
          await clients.rotateSecret(actor, params.clientId, {
            keepOldForSeconds: body.keep_old_for_seconds,
          }),
        ),
      }),
    }),
  ];
};
