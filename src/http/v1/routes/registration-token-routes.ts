import { z } from 'zod';
import type { RegistrationTokenService } from '../../../domain/registration/registration-token-service.ts';
import { apiUrl } from '../api-url.ts';
import { defineRoute, type Route } from '../define-route.ts';
import {
  createRegistrationTokenBodySchema,
  issuedRegistrationTokenSchema,
  presentIssuedRegistrationToken,
  presentRegistrationToken,
  registrationTokenIdSchema,
  registrationTokenSchema,
} from '../schemas/registration-token-json.ts';

/** Initial access tokens for dynamic client registration: administrators only. */
const ADMIN = { scopes: ['admin'] } as const;
const TAGS = ['Client registration'];

export const createRegistrationTokenRoutes = (deps: {
  registrationTokens: RegistrationTokenService;
  issuer: string;
}): Route[] => {
  const { registrationTokens } = deps;
  return [
    defineRoute({
      method: 'POST',
      path: '/registration-tokens',
      operationId: 'createRegistrationToken',
      summary: 'Create an initial access token for dynamic client registration',
      description:
        'With `TESSERA_REGISTRATION=initial-access-token`, software registers a client at the registration endpoint (RFC 7591) by presenting this token as a bearer token. The token is in this response only.',
      tags: TAGS,
      auth: ADMIN,
      body: createRegistrationTokenBodySchema,
      responses: {
        201: {
          description: 'Created.',
          schema: issuedRegistrationTokenSchema,
          headers: { Location: { description: 'The URL of the new token.' } },
        },
      },
      handler: async ({ actor, body }) => {
        const created = await registrationTokens.create(actor, {
          name: body.name,
          ...(body.expires_in_days === undefined ? {} : { expiresInDays: body.expires_in_days }),
        });
        return {
          status: 201,
          body: presentIssuedRegistrationToken(created),
          headers: { Location: apiUrl(deps.issuer, 'registration-tokens', created.registrationToken.id) },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/registration-tokens',
      operationId: 'listRegistrationTokens',
      summary: 'List initial access tokens',
      tags: TAGS,
      auth: ADMIN,
      responses: {
        200: {
          description: 'Every initial access token, newest first.',
          schema: z.object({ items: z.array(registrationTokenSchema) }),
        },
      },
      handler: async ({ actor }) => ({
        status: 200,
        body: { items: (await registrationTokens.list(actor)).map(presentRegistrationToken) },
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/registration-tokens/:id',
      operationId: 'revokeRegistrationToken',
      summary: 'Revoke an initial access token',
      description: 'No more clients register with it; the clients it registered stay.',
      tags: TAGS,
      auth: ADMIN,
      params: z.strictObject({ id: registrationTokenIdSchema }),
      responses: { 204: { description: 'Revoked.' }, 404: { description: 'No such token.' } },
      handler: async ({ actor, params }) => {
        await registrationTokens.revoke(actor, params.id);
        return { status: 204, body: undefined };
      },
    }),
  ];
};
