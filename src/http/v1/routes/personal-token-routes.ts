import { z } from 'zod';
import type { AccessTokenService } from '../../../domain/access-tokens/access-token.ts';
import type { TokenRequestRules } from '../../../domain/access-tokens/token-request.ts';
import { apiUrl } from '../api-url.ts';
import type { Route } from '../define-route.ts';
import {
  createPersonalTokenBodySchema,
  issuedPersonalAccessTokenSchema,
  personalAccessTokenSchema,
  presentIssuedPersonalToken,
  presentPersonalToken,
} from '../schemas/access-token-json.ts';
import { tokenIdSchema } from '../schemas/identifiers.ts';
import { accessTokenRoutes } from './access-token-routes.ts';

/** The caller's own PATs. Someone else's token id is 404, never 403: its existence is not told. */
export const createPersonalTokenRoutes = (deps: {
  accessTokens: AccessTokenService;
  issuer: string;
  /** The operator's token lifetime policy and the clock, for the create body's checks. */
  tokenRules?: TokenRequestRules | undefined;
}): Route[] => {
  const { accessTokens, issuer } = deps;
  return accessTokenRoutes<undefined, { id: string }, ReturnType<typeof createPersonalTokenBodySchema>>({
    path: '/access-tokens',
    tokenPath: '/access-tokens/:id',
    tokenParams: z.strictObject({ id: tokenIdSchema }),
    operation: 'PersonalAccessToken',
    noun: 'personal access token',
    tags: ['Personal access tokens'],
    notFound: { description: 'No such token among the caller’s own.' },
    view: { schema: personalAccessTokenSchema, present: presentPersonalToken },
    issued: { schema: issuedPersonalAccessTokenSchema, present: presentIssuedPersonalToken },
    create: {
      description: 'The token is in this response and nowhere else, ever.',
      body: createPersonalTokenBodySchema(deps.tokenRules),
      conflict: 'The caller already has an active token with this name.',
      run: (actor, _params, body) =>
        accessTokens.createPersonal(actor, {
          name: body.name,
          scopes: body.scopes,
          expiresAt: body.expires_at,
          expiresInDays: body.expires_in_days,
          audience: body.audience,
        }),
      location: (_params, id) => apiUrl(issuer, 'access-tokens', id),
    },
    list: {
      summary: 'List your personal access tokens',
      run: (actor, _params, query) => accessTokens.listPersonal(actor, query),
    },
    get: { run: (actor, { id }) => accessTokens.getPersonal(actor, id) },
    revoke: {
      description: 'The token stops working before this answers.',
      run: (actor, { id }) => accessTokens.revokePersonal(actor, id),
    },
    rotate: {
      description: 'A new token for the same record (id, name, scopes); the old one stops working.',
      run: (actor, { id }) => accessTokens.rotatePersonal(actor, id),
    },
  });
};
