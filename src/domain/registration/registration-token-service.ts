import { z } from 'zod';
import type { PepperHash } from '../../crypto/pepper-hash.ts';
import { randomToken } from '../../crypto/random.ts';
import { forbidden, notFound } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { RegistrationTokenRow } from '../../storage/tables/registration-tokens.ts';
import { type Actor, actorScopes } from '../actors.ts';
import { displayName } from '../api-resources/api-resource.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { parseInput } from '../validation.ts';

/**
 * Initial access tokens (RFC 7591 §3): what an operator hands a developer so that their software
 * may register a client at /reg when TESSERA_REGISTRATION is `initial-access-token`. A token is
 * shown once at creation; Postgres keeps only its keyed hash, so it survives restarts and Redis
 * flushes and a database dump holds nothing usable. One token may register several clients until
 * it expires or is revoked; each use is counted.
 */
export const REGISTRATION_TOKEN_PREFIX = 'tsr_rit_';
export const REGISTRATION_TOKEN_HASH_PURPOSE = 'registration-token';
const MAX_DAYS = 365;

export type RegistrationTokenView = Omit<RegistrationTokenRow, 'tokenHash'>;
export type CreatedRegistrationToken = { token: string; registrationToken: RegistrationTokenView };

export const createRegistrationTokenInput = z
  .object({
    name: displayName,
    expiresInDays: z
      .number()
      .int('must be a whole number of days')
      .min(1, 'must be 1 or more')
      .max(MAX_DAYS, `must be at most ${MAX_DAYS}`)
      .default(30),
  })
  .strict();
export type CreateRegistrationTokenInput = z.input<typeof createRegistrationTokenInput>;

const viewOf = ({ tokenHash: _hash, ...view }: RegistrationTokenRow): RegistrationTokenView => view;

const requireAdmin = (actor: Actor) => {
  if (!actorScopes(actor).includes('admin'))
    throw forbidden('initial access tokens are managed by administrators (scope admin)');
};

export type RegistrationTokenService = ReturnType<typeof createRegistrationTokenService>;

export const createRegistrationTokenService = (deps: {
  repositories: Repositories;
  tokenHash: PepperHash;
  now?: () => Date;
}) => {
  const { registrationTokens } = deps.repositories;
  const now = deps.now ?? (() => new Date());
  return {
    async create(actor: Actor, input: CreateRegistrationTokenInput): Promise<CreatedRegistrationToken> {
      requireAdmin(actor);
      const values = parseInput(createRegistrationTokenInput, input);
      const token = `${REGISTRATION_TOKEN_PREFIX}${randomToken(32)}`;
      const created = await deps.repositories.transaction(async (tx) => {
        const row = await tx.registrationTokens.insert({
          id: `rit_${randomToken(12)}`,
          tokenHash: deps.tokenHash.digest(token),
          name: values.name,
          expiresAt: new Date(now().getTime() + values.expiresInDays * 86_400_000),
          createdBy: actor.id,
        });
        await recordAudit(tx, actor, {
          action: 'registration_token.create',
          target: { type: 'registration_token', id: row.id },
          details: { name: row.name, expires_at: row.expiresAt?.toISOString() ?? null },
        });
        return row;
      });
      return { token, registrationToken: viewOf(created) };
    },

    async list(actor: Actor): Promise<RegistrationTokenView[]> {
      requireAdmin(actor);
      return (await registrationTokens.list()).map(viewOf);
    },

    async revoke(actor: Actor, id: string): Promise<RegistrationTokenView> {
      requireAdmin(actor);
      const revoked = await deps.repositories.transaction(async (tx) => {
        const row = await tx.registrationTokens.revokeById(id);
        if (!row) throw notFound(`no initial access token with id ${id}`);
        await recordAudit(tx, actor, {
          action: 'registration_token.revoke',
          target: { type: 'registration_token', id },
        });
        return row;
      });
      return viewOf(revoked);
    },

    /** The live token `token` is, for /reg; undefined when unknown, expired or revoked. */
    async findLive(token: string): Promise<RegistrationTokenView | undefined> {
      if (!token.startsWith(REGISTRATION_TOKEN_PREFIX)) return undefined;
      const row = await registrationTokens.findLiveByHash(deps.tokenHash.digest(token));
      return row ? viewOf(row) : undefined;
    },

    markUsed: (id: string): Promise<void> => registrationTokens.markUsed(id),
  };
};
