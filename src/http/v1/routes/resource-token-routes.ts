import { z } from 'zod';
import type { AccessTokenService } from '../../../domain/access-tokens/access-token.ts';
import type { TokenRequestRules } from '../../../domain/access-tokens/token-request.ts';
import type { ResourceRef } from '@tessera/verify';
import { apiUrl } from '../api-url.ts';
import type { Route } from '../define-route.ts';
import {
  createResourceTokenBodySchema,
  issuedResourceAccessTokenSchema,
  presentIssuedResourceToken,
  presentResourceToken,
  resourceAccessTokenSchema,
} from '../schemas/access-token-json.ts';
import { resourceIdSchema, resourceTypeSchema, tokenIdSchema } from '../schemas/identifiers.ts';
import { accessTokenRoutes } from './access-token-routes.ts';

const onResource = z.strictObject({ type: resourceTypeSchema, id: resourceIdSchema });

/**
 * RATs of one resource. Creating one creates its bot and the bot's membership with the role; the
 * domain checks that the caller may (maintainer or owner there, no role or scope above their own).
 */
export const createResourceTokenRoutes = (deps: {
  accessTokens: AccessTokenService;
  issuer: string;
  /** The operator's token lifetime policy and the clock, for the create body's checks. */
  tokenRules?: TokenRequestRules | undefined;
}): Route[] => {
  const { accessTokens, issuer } = deps;
  const notFound = { description: 'No such resource, or no such token on it that the caller may see.' };
  return accessTokenRoutes<
    ResourceRef,
    ResourceRef & { tokenId: string },
    ReturnType<typeof createResourceTokenBodySchema>
  >({
    path: '/resources/:type/:id/access-tokens',
    tokenPath: '/resources/:type/:id/access-tokens/:tokenId',
    params: onResource,
    tokenParams: onResource.extend({ tokenId: tokenIdSchema }),
    operation: 'ResourceAccessToken',
    noun: 'resource access token',
    tags: ['Resource access tokens'],
    notFound,
    view: { schema: resourceAccessTokenSchema, present: presentResourceToken },
    issued: { schema: issuedResourceAccessTokenSchema, present: presentIssuedResourceToken },
    create: {
      description:
        'Creates a bot with the role on the resource and a token that acts as it. The token is in this response only.',
      body: createResourceTokenBodySchema(deps.tokenRules),
      conflict: 'The resource already has an active token with this name.',
      notFound,
      run: (actor, resource, body) =>
        accessTokens.createForResource(actor, resource, {
          name: body.name,
          role: body.role,
          scopes: body.scopes,
          expiresAt: body.expires_at,
          expiresInDays: body.expires_in_days,
        }),
      location: ({ type, id }, tokenId) => apiUrl(issuer, 'resources', type, id, 'access-tokens', tokenId),
    },
    list: {
      summary: "List a resource's access tokens",
      run: (actor, resource, query) => accessTokens.listForResource(actor, resource, query),
    },
    get: { run: (actor, { tokenId, ...resource }) => accessTokens.getForResource(actor, resource, tokenId) },
    revoke: {
      description: "The token stops working before this answers, and its bot's membership is retired.",
      run: (actor, { tokenId, ...resource }) => accessTokens.revokeForResource(actor, resource, tokenId),
    },
    rotate: {
      description: 'A new token for the same record and bot; the old one stops working.',
      run: (actor, { tokenId, ...resource }) => accessTokens.rotateForResource(actor, resource, tokenId),
    },
  });
};
