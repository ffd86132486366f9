import { z } from 'zod';
import type { AccessTokenView, IssuedAccessToken } from '../../../domain/access-tokens/access-token.ts';
import {
  expiryProblems,
  lifetimeLimit,
  type TokenRequestRules,
  tokenRequestFields,
} from '../../../domain/access-tokens/token-request.ts';
import { resourceRefSchema, tokenIdSchema } from './identifiers.ts';
import { timestampSchema, toOptionalTimestamp, toTimestamp } from './timestamp.ts';

/**
 * PATs and RATs as the API reads and writes them: snake_case members, ISO 8601 instants. The token
 * string is a member of the "issued" shapes only, which only create and rotate answer with.
 */

/**
 * The create bodies, from the domain's own field schemas (token-request.ts): the same limits and
 * messages as the CLI, and the operator's maximum lifetime where `rules` has it. A member's
 * problems and the two expiry members' problems together are all reported at once.
 */
const expiryShape = (rules: TokenRequestRules) => {
  const fields = tokenRequestFields(rules);
  const { days } = lifetimeLimit(rules);
  return {
    expires_at: fields.expiresAt
      .optional()
      .describe(
        `A future date (YYYY-MM-DD); the token expires at the end of that day, UTC. At most ${days} days ahead${rules.maxLifetimeDays === undefined ? '' : " (this server's policy)"}, and never after the token used to create it.`,
      ),
    expires_in_days: fields.expiresInDays
      .optional()
      .describe(
        `Whole days from now, at most ${days}${rules.maxLifetimeDays === undefined ? '' : " (this server's policy)"}. Give this or \`expires_at\`, or neither for a token that never expires where policy allows. A token created with another token expires no later than it: a request that fits in the days it has left (counted in started days) is capped at its expiry.`,
      ),
  };
};

/** The domain's rules for both expiry members together, reported at the API's member names. */
const expiryRules =
  (rules: TokenRequestRules) =>
  (input: { expires_at?: unknown; expires_in_days?: unknown }, ctx: z.RefinementCtx) => {
    const members: Record<string, string> = { expiresAt: 'expires_at', expiresInDays: 'expires_in_days' };
    for (const problem of expiryProblems(
      { expiresAt: input.expires_at, expiresInDays: input.expires_in_days },
      rules,
    )) {
      const member = problem.field && members[problem.field];
      ctx.addIssue({ code: 'custom', path: member ? [member] : [], message: problem.detail });
    }
  };

/** JSON Schema's way of saying what `expiryRules` checks of both members, so the document says it too. */
const oneExpiryMeta = { not: { required: ['expires_at', 'expires_in_days'] } };

const tokenName = (rules: TokenRequestRules) =>
  tokenRequestFields(rules).name.describe(
    '1–100 characters, no control characters; unique among active tokens.',
  );

export const createPersonalTokenBodySchema = (rules: TokenRequestRules = {}) =>
  z
    .strictObject({
      name: tokenName(rules),
      scopes: tokenRequestFields(rules).scopes.describe(
        'What the token may do; never more than the owner holds.',
      ),
      ...expiryShape(rules),
      audience: tokenRequestFields(rules)
        .audience.optional()
        .describe('Identifiers of the APIs the token is for; all of them when absent.'),
    })
    .superRefine(expiryRules(rules))
    .meta(oneExpiryMeta);

export const createResourceTokenBodySchema = (rules: TokenRequestRules = {}) =>
  z
    .strictObject({
      name: tokenName(rules),
      role: tokenRequestFields(rules).role.describe(
        "The bot's role on the resource (owner, maintainer, developer or guest by default); never above the creator's own.",
      ),
      scopes: tokenRequestFields(rules).scopes.describe(
        'What the token may do, within what the role allows.',
      ),
      ...expiryShape(rules),
    })
    .superRefine(expiryRules(rules))
    .meta(oneExpiryMeta);

export type PersonalTokenBody = z.output<ReturnType<typeof createPersonalTokenBodySchema>>;
export type ResourceTokenBody = z.output<ReturnType<typeof createResourceTokenBodySchema>>;

const tokenShape = {
  id: tokenIdSchema,
  name: z.string(),
  scopes: z.array(z.string()),
  audience: z.array(z.string()),
  state: z.enum(['active', 'expired', 'revoked']),
  display_hint: z.string().describe('Enough of the token to recognise it, such as `tsr_pat_…a1b2`.'),
  created_at: timestampSchema,
  created_by: z.string().describe('The subject that created the token.'),
  expires_at: timestampSchema.nullable().describe('null: the token never expires.'),
  last_used_at: timestampSchema.nullable(),
  last_used_ip: z.string().nullable(),
  rotated_at: timestampSchema.nullable(),
  revoked_at: timestampSchema.nullable(),
};

export const personalAccessTokenSchema = z.object({ ...tokenShape, kind: z.literal('personal') }).meta({
  id: 'PersonalAccessToken',
  description: 'A personal access token: metadata only, never the token.',
});

export const resourceAccessTokenSchema = z
  .object({
    ...tokenShape,
    kind: z.literal('resource'),
    resource: resourceRefSchema,
    bot_id: z.string().describe('The bot subject the token acts as.'),
    role: z.string().describe("The bot's role on the resource."),
  })
  .meta({
    id: 'ResourceAccessToken',
    description: 'A resource access token: metadata only, never the token.',
  });

const tokenStringSchema = z.string().describe('The token. It is shown in this response only: store it now.');

export const issuedPersonalAccessTokenSchema = personalAccessTokenSchema
  .extend({ token: tokenStringSchema })
  .meta({
    id: 'IssuedPersonalAccessToken',
    description: 'A personal access token just created or rotated, with the token itself.',
  });

export const issuedResourceAccessTokenSchema = resourceAccessTokenSchema
  .extend({ token: tokenStringSchema })
  .meta({
    id: 'IssuedResourceAccessToken',
    description: 'A resource access token just created or rotated, with the token itself.',
  });

export type PersonalAccessTokenJson = z.input<typeof personalAccessTokenSchema>;
export type ResourceAccessTokenJson = z.input<typeof resourceAccessTokenSchema>;

const commonJson = (view: AccessTokenView) => ({
  id: view.id,
  name: view.name,
  scopes: view.scopes,
  audience: view.audience,
  state: view.state,
  display_hint: view.displayHint,
  created_at: toTimestamp(view.createdAt),
  created_by: view.createdBy,
  expires_at: toOptionalTimestamp(view.expiresAt),
  last_used_at: toOptionalTimestamp(view.lastUsedAt),
  last_used_ip: view.lastUsedIp,
  rotated_at: toOptionalTimestamp(view.rotatedAt),
  revoked_at: toOptionalTimestamp(view.revokedAt),
});

/** Member by member, so nothing the view gains later reaches clients unless it is added here. */
export const presentPersonalToken = (view: AccessTokenView): PersonalAccessTokenJson => {
  if (view.kind !== 'personal') throw new Error(`token ${view.id} is not a personal access token`);
  return { ...commonJson(view), kind: 'personal' };
};

export const presentResourceToken = (view: AccessTokenView): ResourceAccessTokenJson => {
  const { resource, botId, role } = view;
  if (view.kind !== 'resource' || !resource || !botId || !role) {
    throw new Error(`token ${view.id} is not a resource access token with its resource, bot and role`);
  }
  return {
    ...commonJson(view),
    kind: 'resource',
    resource: { type: resource.type, id: resource.id },
    bot_id: botId,
    role,
  };
};

export const presentIssuedPersonalToken = (issued: IssuedAccessToken) => ({
  ...presentPersonalToken(issued.record),
  token: issued.token,
});

export const presentIssuedResourceToken = (issued: IssuedAccessToken) => ({
  ...presentResourceToken(issued.record),
  token: issued.token,
});
