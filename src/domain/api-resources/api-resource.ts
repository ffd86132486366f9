import { z } from 'zod';
import { isScopeToken } from '../scopes/scope-list.ts';

export const TOKEN_FORMATS = ['jwt', 'opaque'] as const;
export const SIGNING_ALGS = ['ES256', 'RS256', 'EdDSA'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** An API that accepts Tessera's tokens; its identifier is the RFC 8707 `resource` and the tokens' `aud`. */
export type ApiResource = {
  identifier: string;
  name: string;
  format: TokenFormat;
  accessTokenTtl: number;
  scopes: string[];
  signingAlg: SigningAlg;
  createdAt: Date;
  updatedAt: Date;
};

/** The longest access-token lifetime an API may choose: one day. Shorter is better for bearer tokens. */
export const MAX_ACCESS_TOKEN_TTL = 86_400;
export const DEFAULT_ACCESS_TOKEN_TTL = 3_600;

const isResourceIndicator = (value: string) =>
  // RFC 8707 §2: an absolute URI without a fragment component. URL parsing forgives whitespace that
  // would make the stored identifier differ from the `resource` clients send, so refuse it first.
  // eslint-disable-next-line no-control-regex -- the point is to refuse control characters.
  !/[\s\u0000-\u001f]/.test(value) && URL.parse(value) !== null && !value.includes('#');

export const resourceIndicator = z
  .string()
  .refine(isResourceIndicator, 'must be an absolute URI without a fragment (RFC 8707)');

export const displayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  // eslint-disable-next-line no-control-regex -- the point is to reject control characters.
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters');

export const scopeTokens = z
  .array(z.string().refine(isScopeToken, 'contains a value that is not a valid scope token (RFC 6749 §3.3)'))
  .max(200, 'at most 200 scopes');

export const createApiResourceInput = z.object({
  identifier: resourceIndicator,
  name: displayName,
  format: z.enum(TOKEN_FORMATS, { message: 'must be jwt or opaque' }).default('jwt'),
  accessTokenTtl: z
    .number({ message: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .max(MAX_ACCESS_TOKEN_TTL, `must be at most ${MAX_ACCESS_TOKEN_TTL} seconds (one day)`)
    .default(DEFAULT_ACCESS_TOKEN_TTL),
  scopes: scopeTokens.default([]),
  signingAlg: z.enum(SIGNING_ALGS, { message: 'must be ES256, RS256 or EdDSA' }).default('ES256'),
});

export type CreateApiResourceInput = z.input<typeof createApiResourceInput>;
