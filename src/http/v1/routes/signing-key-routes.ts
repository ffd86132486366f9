import { z } from 'zod';
import type { KeyRow } from '../../../keys/key-ring.ts';
import type { KeyService } from '../../../keys/key-service.ts';
import { SIGNING_ALGS } from '../../../keys/signing-key.ts';
import { defineRoute, type Route } from '../define-route.ts';

const iso = (seconds: number | undefined) =>
  seconds === undefined ? null : new Date(seconds * 1000).toISOString();

const signingKeySchema = z
  .object({
    kid: z.string().describe('The RFC 7638 thumbprint of the public key: the `kid` in token headers.'),
    alg: z.enum(SIGNING_ALGS),
    status: z
      .enum(['signing', 'pending', 'previous'])
      .describe(
        'signing: signs now; pending: published, signs from activates_at; previous: published so the tokens it signed still verify.',
      ),
    created_at: z.iso.datetime(),
    activates_at: z.iso.datetime(),
    stopped_signing_at: z.iso
      .datetime()
      .nullable()
      .describe('For previous keys: when the next key took over.'),
  })
  .meta({ id: 'SigningKey', description: 'A signing key, its public facts only.' });

const keptKeySchema = signingKeySchema
  .extend({
    kept_because: z.enum(['signing', 'pending', 'tokens_may_be_valid', 'not_selected']),
    retirable_at: z.iso
      .datetime()
      .nullable()
      .describe('For keys kept because their tokens may be valid: from when they can be retired.'),
  })
  .meta({ id: 'KeptSigningKey' });

const present = (row: KeyRow) => ({
  kid: row.kid,
  alg: row.alg,
  status: row.status,
  created_at: iso(row.createdAt) as string,
  activates_at: iso(row.activatesAt) as string,
  stopped_signing_at: iso(row.stoppedSigningAt),
});

/** `/v1/keys`: what `tessera keys list|rotate|retire` does, for administrators (scope admin). */
export const createSigningKeyRoutes = (deps: { signingKeys: KeyService }): Route[] => [
  defineRoute({
    method: 'GET',
    path: '/keys',
    operationId: 'listSigningKeys',
    summary: 'List signing keys',
    description: 'Every published key with its role now. Private parts never leave the server.',
    tags: ['Signing keys'],
    auth: { scopes: ['admin'] },
    responses: {
      200: {
        description: 'The keys, by algorithm, newest first.',
        schema: z.object({ data: z.array(signingKeySchema) }),
      },
    },
    handler: async ({ actor }) => ({
      status: 200,
      body: { data: (await deps.signingKeys.list(actor)).map(present) },
    }),
  }),
  defineRoute({
    method: 'POST',
    path: '/keys/rotate',
    operationId: 'rotateSigningKeys',
    summary: 'Rotate signing keys',
    description:
      'Adds one key per algorithm (or per algorithm named). It is published at once and signs after `activate_in_seconds`: by default, and at least, the JWKS cache time (TESSERA_JWKS_CACHE_SECONDS) plus the time every instance takes to learn it, so no instance signs with a key that relying parties or other instances do not have yet.',
    tags: ['Signing keys'],
    auth: { scopes: ['admin'] },
    body: z
      .object({
        activate_in_seconds: z.number().int().min(0).optional(),
        algs: z.array(z.enum(SIGNING_ALGS)).min(1).optional(),
      })
      .strict(),
    responses: {
      201: {
        description: 'The keys added.',
        schema: z.object({
          added: z.array(
            z.object({ kid: z.string(), alg: z.enum(SIGNING_ALGS), activates_at: z.iso.datetime() }),
          ),
        }),
      },
      409: { description: 'The delay is shorter than the minimum, or the keys come from TESSERA_JWKS.' },
    },
    handler: async ({ actor, body }) => {
      const { added } = await deps.signingKeys.rotate(actor, {
        activateInSeconds: body.activate_in_seconds,
        algs: body.algs,
      });
      return {
        status: 201,
        body: {
          added: added.map((key) => ({
            kid: key.kid,
            alg: key.alg,
            activates_at: iso(key.activatesAt) as string,
          })),
        },
      };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/keys/retire',
    operationId: 'retireSigningKeys',
    summary: 'Retire signing keys',
    description:
      'Unpublishes keys that stopped signing longer ago than the longest token lifetime (the longest API resource TTL, at least an hour), or the one key named. `force` removes a key whose tokens may still be valid (after a leak, say); the signer and pending keys are never removed.',
    tags: ['Signing keys'],
    auth: { scopes: ['admin'] },
    body: z
      .object({
        kid: z.string().min(1).optional(),
        force: z.boolean().optional(),
        max_token_ttl_seconds: z.number().int().min(0).optional(),
      })
      .strict(),
    responses: {
      200: {
        description: 'What was removed, and why the other previous keys were kept.',
        schema: z.object({ removed: z.array(signingKeySchema), kept: z.array(keptKeySchema) }),
      },
      404: { description: 'No key has that kid.' },
      409: { description: 'The key still signs, is pending, or its tokens may still be valid.' },
    },
    handler: async ({ actor, body }) => {
      const result = await deps.signingKeys.retire(actor, {
        kid: body.kid,
        force: body.force,
        maxTokenTtlSeconds: body.max_token_ttl_seconds,
      });
      return {
        status: 200,
        body: {
          removed: result.removed.map(present),
          kept: result.kept
            .filter((row) => row.status === 'previous')
            .map((row) => ({
              ...present(row),
              kept_because: row.reason,
              retirable_at: iso(row.retirableAt),
            })),
        },
      };
    },
  }),
];
