import { z } from 'zod';
import type { AccessTokenService } from '../../../domain/access-tokens/access-token.ts';
import { apiUrl } from '../api-url.ts';
import { defineRoute, type Route } from '../define-route.ts';
import {
  createResourceTokenBodySchema,
  issuedResourceAccessTokenSchema,
  presentIssuedResourceToken,
  presentResourceToken,
  resourceAccessTokenSchema,
} from '../schemas/access-token-json.ts';
import { resourceIdSchema, resourceTypeSchema, tokenIdSchema } from '../schemas/identifiers.ts';
import { pageSchema } from '../schemas/pagination.ts';
import { listTokensQuerySchema } from './personal-token-routes.ts';

const TAGS = ['Resource access tokens'];
const READ = { scopes: ['tokens:read'] } as const;
const WRITE = { scopes: ['tokens:write'] } as const;
const onResource = z.strictObject({ type: resourceTypeSchema, id: resourceIdSchema });
const onToken = onResource.extend({ tokenId: tokenIdSchema });
const notFound = { description: 'No such resource, or no such token on it that the caller may see.' };

/**
 * RATs of one resource. Creating one creates its bot and the bot's membership with the role; the
 * domain checks that the caller may (maintainer or owner there, no role or scope above their own).
 */
export const createResourceTokenRoutes = (deps: {
  accessTokens: AccessTokenService;
  issuer: string;
}): Route[] => {
  const { accessTokens, issuer } = deps;
  return [
    defineRoute({
      method: 'POST',
      path: '/resources/:type/:id/access-tokens',
      operationId: 'createResourceAccessToken',
      summary: 'Create a resource access token',
      description:
        'Creates a bot with the role on the resource and a token that acts as it. The token is in this response only.',
      tags: TAGS,
      auth: WRITE,
      params: onResource,
      body: createResourceTokenBodySchema,
      responses: {
        201: {
          description: 'Created.',
          schema: issuedResourceAccessTokenSchema,
          headers: { Location: { description: 'The URL of the new token.' } },
        },
        404: notFound,
        409: { description: 'The resource already has an active token with this name.' },
      },
      handler: async ({ actor, params, body }) => {
        const issued = await accessTokens.createForResource(actor, params, {
          name: body.name,
          role: body.role,
          scopes: body.scopes,
          expiresAt: body.expires_at,
          expiresInDays: body.expires_in_days,
        });
        return {
          status: 201,
          body: presentIssuedResourceToken(issued),
          headers: {
            Location: apiUrl(issuer, 'resources', params.type, params.id, 'access-tokens', issued.record.id),
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/resources/:type/:id/access-tokens',
      operationId: 'listResourceAccessTokens',
      summary: "List a resource's access tokens",
      tags: TAGS,
      auth: READ,
      params: onResource,
      query: listTokensQuerySchema,
      responses: {
        200: { description: 'A page of tokens.', schema: pageSchema(resourceAccessTokenSchema) },
        404: notFound,
      },
      handler: async ({ actor, params, query }) => {
        const page = await accessTokens.listForResource(actor, params, query);
        return {
          status: 200,
          body: { data: page.items.map(presentResourceToken), next_cursor: page.nextCursor },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/resources/:type/:id/access-tokens/:tokenId',
      operationId: 'getResourceAccessToken',
      summary: 'Get a resource access token',
      tags: TAGS,
      auth: READ,
      params: onToken,
      responses: {
        200: { description: 'The token’s metadata.', schema: resourceAccessTokenSchema },
        404: notFound,
      },
      handler: async ({ actor, params: { tokenId, ...resource } }) => ({
        status: 200,
        body: presentResourceToken(await accessTokens.getForResource(actor, resource, tokenId)),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/resources/:type/:id/access-tokens/:tokenId',
      operationId: 'revokeResourceAccessToken',
      summary: 'Revoke a resource access token',
      description: "The token stops working before this answers, and its bot's membership is retired.",
      tags: TAGS,
      auth: WRITE,
      params: onToken,
      responses: { 200: { description: 'Revoked.', schema: resourceAccessTokenSchema }, 404: notFound },
      handler: async ({ actor, params: { tokenId, ...resource } }) => ({
        status: 200,
        body: presentResourceToken(await accessTokens.revokeForResource(actor, resource, tokenId)),
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/resources/:type/:id/access-tokens/:tokenId/rotate',
      operationId: 'rotateResourceAccessToken',
      summary: 'Rotate a resource access token',
      description: 'A new token for the same record and bot; the old one stops working.',
      tags: TAGS,
      auth: WRITE,
      params: onToken,
      responses: { 200: { description: 'Rotated.', schema: issuedResourceAccessTokenSchema }, 404: notFound },
      handler: async ({ actor, params: { tokenId, ...resource } }) => ({
        status: 200,
        body: presentIssuedResourceToken(await accessTokens.rotateForResource(actor, resource, tokenId)),
      }),
    }),
  ];
};
