import { z } from 'zod';
import type { AccessTokenService } from '../../../domain/access-tokens/access-token.ts';
import { apiUrl } from '../api-url.ts';
import { defineRoute, type Route } from '../define-route.ts';
import {
  createPersonalTokenBodySchema,
  issuedPersonalAccessTokenSchema,
  personalAccessTokenSchema,
  presentIssuedPersonalToken,
  presentPersonalToken,
} from '../schemas/access-token-json.ts';
import { tokenIdSchema } from '../schemas/identifiers.ts';
import { cursorSchema, limitSchema, pageSchema } from '../schemas/pagination.ts';

const TAGS = ['Personal access tokens'];
const READ = { scopes: ['tokens:read'] } as const;
const WRITE = { scopes: ['tokens:write'] } as const;
const byId = z.strictObject({ id: tokenIdSchema });
const notFound = { description: 'No such token among the caller’s own.' };
const location = { Location: { description: 'The URL of the new token.' } };

export const listTokensQuerySchema = z.strictObject({
  state: z.enum(['active', 'expired', 'revoked', 'all']).default('active').describe('Which tokens to list.'),
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});

/** The caller's own PATs. Someone else's token id is 404, never 403: its existence is not told. */
export const createPersonalTokenRoutes = (deps: {
  accessTokens: AccessTokenService;
  issuer: string;
}): Route[] => {
  const { accessTokens, issuer } = deps;
  return [
    defineRoute({
      method: 'POST',
      path: '/access-tokens',
      operationId: 'createPersonalAccessToken',
      summary: 'Create a personal access token',
      description: 'The token is in this response and nowhere else, ever.',
      tags: TAGS,
      auth: WRITE,
      body: createPersonalTokenBodySchema,
      responses: {
        201: { description: 'Created.', schema: issuedPersonalAccessTokenSchema, headers: location },
        409: { description: 'The caller already has an active token with this name.' },
      },
      handler: async ({ actor, body }) => {
        const issued = await accessTokens.createPersonal(actor, {
          name: body.name,
          scopes: body.scopes,
          expiresAt: body.expires_at,
          expiresInDays: body.expires_in_days,
          audience: body.audience,
        });
        return {
          status: 201,
          body: presentIssuedPersonalToken(issued),
          headers: { Location: apiUrl(issuer, 'access-tokens', issued.record.id) },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/access-tokens',
      operationId: 'listPersonalAccessTokens',
      summary: 'List your personal access tokens',
      tags: TAGS,
      auth: READ,
      query: listTokensQuerySchema,
      responses: { 200: { description: 'A page of tokens.', schema: pageSchema(personalAccessTokenSchema) } },
      handler: async ({ actor, query }) => {
        const page = await accessTokens.listPersonal(actor, query);
        return {
          status: 200,
          body: { data: page.items.map(presentPersonalToken), next_cursor: page.nextCursor },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/access-tokens/:id',
      operationId: 'getPersonalAccessToken',
      summary: 'Get a personal access token',
      tags: TAGS,
      auth: READ,
      params: byId,
      responses: {
        200: { description: 'The token’s metadata.', schema: personalAccessTokenSchema },
        404: notFound,
      },
      handler: async ({ actor, params }) => ({
        status: 200,
        body: presentPersonalToken(await accessTokens.getPersonal(actor, params.id)),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/access-tokens/:id',
      operationId: 'revokePersonalAccessToken',
      summary: 'Revoke a personal access token',
      description: 'The token stops working before this answers.',
      tags: TAGS,
      auth: WRITE,
      params: byId,
      responses: { 200: { description: 'Revoked.', schema: personalAccessTokenSchema }, 404: notFound },
      handler: async ({ actor, params }) => ({
        status: 200,
        body: presentPersonalToken(await accessTokens.revokePersonal(actor, params.id)),
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/access-tokens/:id/rotate',
      operationId: 'rotatePersonalAccessToken',
      summary: 'Rotate a personal access token',
      description: 'A new token for the same record (id, name, scopes); the old one stops working.',
      tags: TAGS,
      auth: WRITE,
      params: byId,
      responses: { 200: { description: 'Rotated.', schema: issuedPersonalAccessTokenSchema }, 404: notFound },
      handler: async ({ actor, params }) => ({
        status: 200,
        body: presentIssuedPersonalToken(await accessTokens.rotatePersonal(actor, params.id)),
      }),
    }),
  ];
};
