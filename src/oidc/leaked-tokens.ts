import type { Provider } from 'oidc-provider';
import type { AccessTokenService } from '../domain/access-tokens/access-token.ts';
import type { LeakOutcome, LeakReport } from '../domain/access-tokens/revoke-leaked-token.ts';
import type { AuditActor } from '../domain/audit/audit-log.ts';
import { eventTokenOfJwt, eventTokenOfOpaque } from '../domain/events/event-token.ts';
import type { EventToken, TesseraEvent } from '../domain/events/event-types.ts';
import type { RevocationService } from '../domain/revocations/revocation-service.ts';
import { looksLikeTesseraToken } from '@tessera/verify/token-format';
import type { JwtAccessTokens } from './jwt-access-tokens.ts';

/**
 * A string someone reports as a leaked Tessera token, whatever its kind: a PAT or RAT (prefix and
 * checksum, then its hash), a JWT access token (Tessera's own signature), or an opaque
 * client-credentials or access token the token store still holds. Each is revoked the way an
 * owner's revocation would: in Postgres, with an audit event that names the reporter and the URL,
 * before anyone is answered. Anything else is `unknown`; nothing about it is stored.
 */
export type LeakedTokens = {
  report(reporter: AuditActor, token: string, report: LeakReport): Promise<LeakOutcome>;
};

/** A JWS compact serialization: three base64url parts. Cheap to test before verifying a signature. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
/** oidc-provider's opaque token ids: 43 base64url characters (256 random bits). */
const OPAQUE_SHAPE = /^[\w-]{43}$/;

export const createLeakedTokens = (deps: {
  accessTokens: Pick<AccessTokenService, 'revokeLeaked'>;
  jwtAccessTokens: () => JwtAccessTokens;
  provider: () => Provider;
  revocations: RevocationService;
  /** The token store's key of an id (an HMAC): what revocations name, never the token. */
  tokenStoreKey: (id: string) => string;
  now?: () => number;
}): LeakedTokens => {
  const now = deps.now ?? Date.now;
  const details = (report: LeakReport) => ({
    reason: 'leaked',
    url: report.url ?? null,
    source: report.source,
  });
  /** `token.revoked`, reason `leaked`: what APIs and Shared Signals receivers hear. */
  const revokedEvent = (token: EventToken, reporter: AuditActor): TesseraEvent => ({
    type: 'token.revoked',
    streamKey: token.id,
    data: { token, reason: 'leaked', revokedBy: reporter.id, revokedAt: new Date(now()).toISOString() },
  });

  const reportJwt = async (reporter: AuditActor, token: string, report: LeakReport): Promise<LeakOutcome> => {
    const jwts = deps.jwtAccessTokens();
    const claims = await jwts.verify(token);
    if (!claims) return 'unknown';
    if (await jwts.isRevoked(claims)) return 'already_revoked';
    await deps.revocations.revoke(
      reporter,
      [
        {
          kind: 'jwt',
          key: claims.jti,
          revokedAt: new Date(now()),
          expiresAt: new Date(claims.exp * 1000),
        },
      ],
      {
        action: 'oauth_token.revoke',
        target: { type: 'jwt', id: claims.jti },
        details: {
          ...details(report),
          client: claims.client_id,
          ...(typeof claims.sub === 'string' ? { subject: claims.sub } : {}),
          ...(typeof claims.token_id === 'string' ? { tokenId: claims.token_id } : {}),
        },
      },
      [revokedEvent(eventTokenOfJwt(claims), reporter)],
    );
    return 'revoked';
  };

  const reportOpaque = async (
    reporter: AuditActor,
    token: string,
    report: LeakReport,
  ): Promise<LeakOutcome> => {
    const provider = deps.provider();
    const found = (await provider.ClientCredentials.find(token)) ?? (await provider.AccessToken.find(token));
    if (!found?.jti) return 'unknown';
    const key = deps.tokenStoreKey(found.jti);
    await deps.revocations.revoke(
      reporter,
      [
        {
          kind: 'opaque',
          key,
          revokedAt: new Date(now()),
          expiresAt: typeof found.exp === 'number' ? new Date(found.exp * 1000) : null,
        },
      ],
      {
        action: 'oauth_token.revoke',
        target: { type: 'oauth_token', id: key },
        details: { ...details(report), kind: found.kind, client: found.clientId ?? null },
      },
      [
        revokedEvent(
          eventTokenOfOpaque({
            key,
            subject:
              'accountId' in found && typeof found.accountId === 'string' ? found.accountId : found.clientId,
            clientId: found.clientId,
            audience: found.aud,
            exp: found.exp,
          }),
          reporter,
        ),
      ],
    );
    // The record above already refuses it everywhere; this only frees the store's entry.
    await found.destroy().catch(() => {});
    return 'revoked';
  };

  return {
    async report(reporter, token, report) {
      if (looksLikeTesseraToken(token)) return deps.accessTokens.revokeLeaked(reporter, token, report);
      if (JWT_SHAPE.test(token)) return reportJwt(reporter, token, report);
      if (OPAQUE_SHAPE.test(token)) return reportOpaque(reporter, token, report);
      return 'unknown';
    },
  };
};
