import { z } from 'zod';
import type {
  CreatedRegistrationToken,
  RegistrationTokenView,
} from '../../../domain/registration/registration-token-service.ts';
import { timestampSchema, toOptionalTimestamp, toTimestamp } from './timestamp.ts';

/** Initial access tokens for dynamic client registration (RFC 7591) as /v1 shows them. */
export const registrationTokenIdSchema = z
  .string()
  .regex(/^rit_[A-Za-z0-9_-]{1,64}$/, 'must be an initial access token id (rit_…)')
  .describe('An initial access token id, `rit_…`.');

export const registrationTokenSchema = z
  .object({
    id: registrationTokenIdSchema,
    name: z.string(),
    expires_at: timestampSchema.nullable(),
    created_by: z.string(),
    created_at: timestampSchema,
    revoked_at: timestampSchema.nullable(),
    last_used_at: timestampSchema.nullable(),
    uses: z.number().int().describe('How many clients were registered with it.'),
  })
  .meta({
    id: 'RegistrationToken',
    description: 'An initial access token (RFC 7591 §3). The token itself is never part of it.',
  });

export const issuedRegistrationTokenSchema = registrationTokenSchema
  .extend({
    token: z
      .string()
      .describe(
        'The token (`tsr_rit_…`), shown this once; Tessera keeps only a hash. Present it as `Authorization: Bearer` at the registration endpoint.',
      ),
  })
  .meta({ id: 'IssuedRegistrationToken' });

export const createRegistrationTokenBodySchema = z.strictObject({
  name: z.string().describe('Who or what the token is for.'),
  expires_in_days: z.number().int().optional().describe('Days until it stops working, 1 to 365 (30).'),
});

export const presentRegistrationToken = (
  view: RegistrationTokenView,
): z.input<typeof registrationTokenSchema> => ({
  id: view.id,
  name: view.name,
  expires_at: toOptionalTimestamp(view.expiresAt),
  created_by: view.createdBy,
  created_at: toTimestamp(view.createdAt),
  revoked_at: toOptionalTimestamp(view.revokedAt),
  last_used_at: toOptionalTimestamp(view.lastUsedAt),
  uses: view.uses,
});

export const presentIssuedRegistrationToken = (
  created: CreatedRegistrationToken,
): z.input<typeof issuedRegistrationTokenSchema> => ({
  ...presentRegistrationToken(created.registrationToken),
  token: created.token,
});
