import { parseToken } from '../../verify/token-format.ts';
import type { AuditActor } from '../audit/audit-log.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';
import { revokeAccessToken, type RevocationReason } from './revoke-access-token.ts';

/**
 * A PAT or RAT string someone found in public: revoked at once, whoever owns it, with the place it
 * was found in the audit event. The answer says whether the string was one of ours (for the secret
 * scanning partner response); the public endpoint never shows it (http/leaked-tokens/).
 */
export type LeakReport = {
  /** Where the token was found, as the reporter said (a URL; kept in the audit event). */
  url: string | undefined;
  /** The channel: `public` (the form) or `github` (a signed secret-scanning alert). */
  source: string;
};

export type LeakOutcome = 'revoked' | 'already_revoked' | 'unknown';

export const revokeLeakedAccessToken = async (
  deps: AccessTokenDeps,
  reporter: AuditActor,
  token: string,
  report: LeakReport,
  reason: Pick<RevocationReason, 'inTransaction'> = {},
): Promise<LeakOutcome> => {
  // Prefix, shape and checksum first: garbage never reaches storage.
  if (!parseToken(token)) return 'unknown';
  const row = await deps.repositories.accessTokens.findByHash(deps.tokenHash.digest(token));
  if (!row) return 'unknown';
  if (row.revokedAt) return 'already_revoked';
  await revokeAccessToken(deps, reporter, row, {
    details: { reason: 'leaked', url: report.url ?? null, source: report.source },
    ...reason,
  });
  return 'revoked';
};
