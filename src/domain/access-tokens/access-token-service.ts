import { notFound } from '../../errors.ts';
import type { AccessTokenService } from './access-token.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';
import { viewOf } from './access-token-view.ts';
import { createPersonalToken } from './create-personal-token.ts';
import { createResourceToken } from './create-resource-token.ts';
import { listPersonalTokens, listResourceTokens } from './list-access-tokens.ts';
import { revokeAccessToken } from './revoke-access-token.ts';
import { revokeLeakedAccessToken } from './revoke-leaked-token.ts';
import { rotateAccessToken } from './rotate-access-token.ts';
import { findOfResource, findPersonal } from './token-ownership.ts';

/**
 * Personal and resource access tokens: created with a name, scopes and an expiry, shown once,
 * listed, rotated and revoked — one file per job. The rules that keep them safe:
 * - nobody creates a token with a scope they do not hold, or a RAT with a role above their own
 *   (create-*-token.ts, token-scopes.ts);
 * - a token made with another token stays within that token's scopes and lifetime (token-scopes.ts);
 * - another user's token id is "not found", never "forbidden" (token-ownership.ts);
 * - a revocation is committed in Postgres, with its revocation record and audit event, before it
 *   is acknowledged; Redis follows, and never outvotes Postgres (token-entry-writes.ts).
 * Every job starts in token-ownership.ts: whose tokens the actor may manage, and how.
 */
export type AccessTokenServiceDeps = Omit<AccessTokenDeps, 'now'> & { now?: () => Date };

export const createAccessTokenService = (options: AccessTokenServiceDeps): AccessTokenService => {
  const deps: AccessTokenDeps = { ...options, now: options.now ?? (() => new Date()) };
  return {
    createPersonal: (actor, input) => createPersonalToken(deps, actor, input),
    listPersonal: (actor, options) => listPersonalTokens(deps, actor, options),
    getPersonal: async (actor, id) => viewOf(await findPersonal(deps, actor, id), deps.now()),
    revokePersonal: async (actor, id) => revokeAccessToken(deps, actor, await findPersonal(deps, actor, id)),
    rotatePersonal: async (actor, id) => rotateAccessToken(deps, actor, await findPersonal(deps, actor, id)),

    createForResource: (actor, ref, input) => createResourceToken(deps, actor, ref, input),
    listForResource: (actor, ref, options) => listResourceTokens(deps, actor, ref, options),
    getForResource: async (actor, ref, id) => viewOf(await findOfResource(deps, actor, ref, id), deps.now()),
    revokeForResource: async (actor, ref, id) =>
      revokeAccessToken(deps, actor, await findOfResource(deps, actor, ref, id)),
    rotateForResource: async (actor, ref, id) =>
      rotateAccessToken(deps, actor, await findOfResource(deps, actor, ref, id)),
    revokeLeaked: (reporter, token, report) => revokeLeakedAccessToken(deps, reporter, token, report),

    revokeByPolicy: async (actor, id, reason) => {
      const row = await deps.repositories.accessTokens.findById(id);
      if (!row) throw notFound(`no access token ${id}`);
      return revokeAccessToken(deps, actor, row, reason);
    },
  };
};
