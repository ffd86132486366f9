import type { KoaContextWithOIDC } from 'oidc-provider';
import { eventTokenOfOpaque } from '../domain/events/event-token.ts';
import type { RevocationService } from '../domain/revocations/revocation-service.ts';
import type { Revocation } from '../storage/revocations/revocation-list.ts';
import { MAX_REFRESH_TOKEN_TTL } from '../domain/clients/client.ts';

/**
 * RFC 7009 revocation of a token the library stores (opaque access, client credentials and
 * refresh tokens). It runs where the library has found the token and allowed the caller, before
 * the library deletes it from the token store: the revocation — and, for a token of a grant, the
 * grant's, as the library revokes the grant next — is recorded in Postgres with its audit event
 * first, so whatever Redis later loses or reverts, the token stays revoked.
 */
export type RevocableToken = {
  jti: string;
  kind: string;
  clientId?: string;
  grantId?: string;
  exp?: number;
  /** The person a user's token speaks for; absent on client credentials tokens. */
  accountId?: string;
  aud?: string | string[];
};

/** The longest a grant may live: a client's refresh-token lifetime is at most MAX_REFRESH_TOKEN_TTL. */
const GRANT_LIFETIME_MS = MAX_REFRESH_TOKEN_TTL * 1000;

export const createOpaqueTokenRevocation =
  (deps: {
    revocations: RevocationService;
    /** The token store's key of an id (an HMAC): what revocations name, never the token. */
    tokenStoreKey: (id: string) => string;
    now?: () => number;
  }) =>
  async (ctx: KoaContextWithOIDC, callerId: string, token: RevocableToken): Promise<void> => {
    const at = deps.now?.() ?? Date.now();
    const key = deps.tokenStoreKey(token.jti);
    const revocations: Revocation[] = [
      {
        kind: 'opaque',
        key,
        revokedAt: new Date(at),
        expiresAt: typeof token.exp === 'number' ? new Date(token.exp * 1000) : null,
      },
    ];
    const grant =
      token.grantId && (token.kind === 'RefreshToken' || token.kind === 'AccessToken')
        ? deps.tokenStoreKey(token.grantId)
        : undefined;
    if (grant) {
      revocations.push({
        kind: 'grant',
        key: grant,
        revokedAt: new Date(at),
        expiresAt: new Date(at + GRANT_LIFETIME_MS),
      });
    }
    await deps.revocations.revoke(
      { kind: 'client', id: callerId, meta: { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined } },
      revocations,
      {
        action: 'oauth_token.revoke',
        target: { type: 'oauth_token', id: key },
        details: { kind: token.kind, client: token.clientId ?? null, ...(grant ? { grant } : {}) },
      },
      [
        {
          type: 'token.revoked',
          streamKey: key,
          data: {
            token: eventTokenOfOpaque({
              key,
              subject: typeof token.accountId === 'string' ? token.accountId : token.clientId,
              clientId: token.clientId,
              audience: token.aud,
              exp: token.exp,
            }),
            reason: 'revoked',
            revokedBy: callerId,
            revokedAt: new Date(at).toISOString(),
          },
        },
      ],
    );
  };
