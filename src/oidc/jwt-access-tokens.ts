import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import type { OidcAdapter } from '../storage/oidc-adapter/contract.ts';

/**
 * JWT access tokens (RFC 9068) are self-contained and never stored, so oidc-provider cannot
 * introspect or revoke them. Tessera does both: it verifies its own signature, issuer and type,
 * and keeps a deny list of revoked `jti`s in the token store until the token would expire anyway.
 * A JWT exchanged for a PAT or RAT (it names it in `token_id`) also counts as revoked once that
 * token stops working: offline validators cannot know, but Tessera can.
 */
export type AccessTokenClaims = JWTPayload & {
  jti: string;
  client_id: string;
  aud: string | string[];
  exp: number;
  scope?: string;
  token_id?: string;
};

export const REVOKED_JWT_MODEL = 'RevokedAccessToken';

export type JwtAccessTokens = ReturnType<typeof createJwtAccessTokens>;

export const createJwtAccessTokens = (deps: {
  issuer: string;
  publicJwks: JSONWebKeySet;
  denyList: OidcAdapter;
  /** Personal and resource access tokens, which exchanged JWTs depend on. */
  subjectTokens: { isLive(id: string): Promise<boolean> };
  now?: () => number;
}) => {
  const keys = createLocalJWKSet(deps.publicJwks);
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));

  return {
    /** The token's claims when it is a genuine Tessera access token; undefined for anything else. */
    async verify(token: string): Promise<AccessTokenClaims | undefined> {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: deps.issuer,
          typ: 'at+jwt',
          algorithms: ['ES256', 'RS256', 'EdDSA', 'Ed25519'],
          requiredClaims: ['jti', 'exp', 'aud', 'client_id', 'sub', 'iat'],
          currentDate: new Date(now() * 1000),
        });
        return typeof payload.jti === 'string' && typeof payload.client_id === 'string'
          ? (payload as AccessTokenClaims)
          : undefined;
      } catch {
        return undefined;
      }
    },

    async isRevoked(claims: AccessTokenClaims): Promise<boolean> {
      if ((await deps.denyList.find(claims.jti)) !== undefined) return true;
      return typeof claims.token_id === 'string' && !(await deps.subjectTokens.isLive(claims.token_id));
    },

    /** Denies the token's jti until its expiry; the entry vanishes with the token's lifetime. */
    async revoke(claims: AccessTokenClaims): Promise<void> {
      const remaining = claims.exp - now();
      if (remaining > 0) {
        await deps.denyList.upsert(claims.jti, { kind: REVOKED_JWT_MODEL, exp: claims.exp }, remaining);
      }
    },
  };
};
