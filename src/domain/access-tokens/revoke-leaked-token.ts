import { parseToken } from '@tessera/verify/token-format';
import type { AuditActor } from '../audit/audit-log.ts';
import { eventTokenOfRow } from '../events/event-token.ts';
import { recordEvent } from '../events/record-event.ts';
import { noticeRecipients } from '../notices/notice-recipients.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';
import { revokeAccessToken } from './revoke-access-token.ts';

/**
 * A PAT or RAT string someone found in public: revoked at once, whoever owns it, with the place it
 * was found in the audit event, `token.revoked` (reason `leaked`) for APIs and `token.leaked` for
 * the people who look after it (a PAT's owner, a RAT's resource's maintainers and owners) — all in
 * the revocation's transaction. The answer says whether the string was one of ours (for the secret
 * scanning partner response); the public endpoint never shows it (http/leaked-tokens/).
 */
export type LeakReport = {
  /** Where the token was found, as the reporter said (a URL; kept in the audit event). */
  url: string | undefined;
  /** The channel: `public` (the form) or `github…` (a signed secret-scanning alert). */
  source: string;
};

export type LeakOutcome = 'revoked' | 'already_revoked' | 'unknown';

export const revokeLeakedAccessToken = async (
  deps: AccessTokenDeps,
  reporter: AuditActor,
  token: string,
  report: LeakReport,
): Promise<LeakOutcome> => {
  // Prefix, shape and checksum first: garbage never reaches storage.
  if (!parseToken(token)) return 'unknown';
  const row = await deps.repositories.accessTokens.findByHash(deps.tokenHash.digest(token));
  if (!row) return 'unknown';
  if (row.revokedAt) return 'already_revoked';
  const at = deps.now();
  await revokeAccessToken(deps, reporter, row, 'leaked', {
    details: { url: report.url ?? null, source: report.source },
    inTransaction: async (tx, revoked) =>
      void (await recordEvent(
        tx,
        {
          type: 'token.leaked',
          streamKey: revoked.id,
          data: {
            token: eventTokenOfRow(revoked),
            url: report.url ?? null,
            source: report.source,
            reportedAt: at.toISOString(),
            recipients: await noticeRecipients(tx, revoked),
          },
        },
        at,
      )),
  });
  return 'revoked';
};
