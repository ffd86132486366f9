import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import { createNativeVerifier, FALL_BACK } from './access-token-verifier.ts';
import type { AuditActor } from '../domain/audit/audit-log.ts';
import type { RevocationService } from '../domain/revocations/revocation-service.ts';
import { eventTokenOfJwt } from '../domain/events/event-token.ts';

/**
 * JWT access tokens (RFC 9068) are self-contained and never stored, so oidc-provider cannot
 * introspect or revoke them. Tessera does both: it verifies its own signature, issuer and type,
 * and records a revoked `jti` in Postgres (the revocation list every instance follows in memory)
 * until the token would expire anyway. The revoking instance also marks it in Redis before it
 * answers, so the others refuse it at their first check; Redis only adds revocations, so no Redis
 * fault can revive one.
 * A JWT of a deleted client is revoked with the client. A JWT exchanged for a PAT or RAT (it names
 * it in `token_id`) also counts as revoked once that token stops working: offline validators
 * cannot know, but Tessera can.
 */
export type AccessTokenClaims = JWTPayload & {
  jti: string;
  client_id: string;
  aud: string | string[];
  exp: number;
  scope?: string;
  token_id?: string;
  /** RFC 9449 §6.1: the thumbprint of the key a DPoP-bound token is bound to. */
  cnf?: { jkt?: string };
};

export type JwtAccessTokens = ReturnType<typeof createJwtAccessTokens>;

export const createJwtAccessTokens = (deps: {
  issuer: string;
  publicJwks: JSONWebKeySet;
  revocations: RevocationService;
  /** Personal and resource access tokens, which exchanged JWTs depend on. */
  subjectTokens: { isLive(id: string): Promise<boolean> };
  now?: () => number;
}) => {
  const keys = createLocalJWKSet(deps.publicJwks);
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const options = {
    issuer: deps.issuer,
    typ: 'at+jwt',
    algorithms: ['ES256', 'RS256', 'EdDSA', 'Ed25519'],
    requiredClaims: ['jti', 'exp', 'aud', 'client_id', 'sub', 'iat'],
  };
  // Tessera's own tokens are verified synchronously with node:crypto; anything of another shape
  // by jose, which then has the last word (access-token-verifier.ts).
  const native = createNativeVerifier(deps.publicJwks, options);
  const accepted = (payload: JWTPayload): AccessTokenClaims | undefined =>
    typeof payload.jti === 'string' && typeof payload.client_id === 'string'
      ? (payload as AccessTokenClaims)
      : undefined;

  return {
    /** The token's claims when it is a genuine Tessera access token; undefined for anything else. */
    async verify(token: string): Promise<AccessTokenClaims | undefined> {
      const at = now();
      const decided = native(token, at);
      if (decided !== FALL_BACK) return decided && accepted(decided as JWTPayload);
      try {
        const { payload } = await jwtVerify(token, keys, { ...options, currentDate: new Date(at * 1000) });
        return accepted(payload);
      } catch {
        return undefined;
      }
    },

    async isRevoked(claims: AccessTokenClaims): Promise<boolean> {
      if (deps.revocations.has('jwt', claims.jti)) return true;
      const clientRevokedAt = deps.revocations.revokedAt('client', claims.client_id);
      if (clientRevokedAt !== undefined && (claims.iat ?? 0) * 1000 <= clientRevokedAt) return true;
      // Revoked on another instance an instant ago: its Redis mark, read only when memory has none.
      if (await deps.revocations.hasAnywhere?.('jwt', claims.jti)) return true;
      return typeof claims.token_id === 'string' && !(await deps.subjectTokens.isLive(claims.token_id));
    },

    /**
     * Records the token's jti as revoked until its expiry, with the audit event naming `by`;
     * resolves once committed. Nothing is kept for a token that has expired already.
     */
    async revoke(claims: AccessTokenClaims, by: AuditActor): Promise<void> {
      if (claims.exp <= now()) return;
      await deps.revocations.revoke(
        by,
        [
          {
            kind: 'jwt',
            key: claims.jti,
            revokedAt: new Date(now() * 1000),
            expiresAt: new Date(claims.exp * 1000),
          },
        ],
        {
          action: 'oauth_token.revoke',
          target: { type: 'jwt', id: claims.jti },
          details: {
            client: claims.client_id,
            ...(typeof claims.sub === 'string' ? { subject: claims.sub } : {}),
            ...(typeof claims.token_id === 'string' ? { tokenId: claims.token_id } : {}),
          },
        },
        [
          {
            type: 'token.revoked',
            streamKey: claims.jti,
            data: {
              token: eventTokenOfJwt(claims),
              reason: 'revoked',
              revokedBy: by.id,
              revokedAt: new Date(now() * 1000).toISOString(),
            },
          },
        ],
      );
    },
  };
};
