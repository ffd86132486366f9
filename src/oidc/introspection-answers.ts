import type { Provider } from 'oidc-provider';
import type { ResolvedAccessToken } from '../domain/access-tokens/access-token-resolver.ts';
import type { ResourceRef } from '@tessera/verify';
import type { AccessTokenView } from './configuration/token-policies.ts';
import type { TokenKind } from '@tessera/verify/token-format';
import type { AccessTokenClaims } from './jwt-access-tokens.ts';

/**
 * Every introspection answer Tessera gives (RFC 7662 §2.2) is built here, one function per kind
 * of token: the library's route (for client credentials tokens, see
 * middleware/client-credentials-introspection.ts), Tessera's middleware (JWTs, PATs and RATs) and
 * the fast lane all call these, so the paths cannot drift apart and the fast lane's answers are the
 * library path's to the byte. Who may see a token is decided before (token-policies.ts); these
 * only shape what is said.
 *
 * `aud`, for every kind: a single audience is a string, several are an array (RFC 7662 allows
 * both; a string is what oidc-provider emits for an opaque token and what Tessera's JWTs carry).
 */
export type IntrospectionAnswer = { active: boolean; [member: string]: unknown };

/** Anything Tessera will not vouch for, whatever the reason: RFC 7662 §2.2 says nothing more. */
export const inactive = (): IntrospectionAnswer => ({ active: false });

export const audienceClaim = (aud: string | readonly string[]): string | string[] =>
  typeof aud === 'string' ? aud : aud.length === 1 ? (aud[0] as string) : [...aud];

/** The library's model of an opaque client credentials token. */
export type ClientCredentialsToken = InstanceType<Provider['ClientCredentials']>;

/**
 * An opaque client credentials token: the members and their order of the library's own answer
 * (lib/actions/introspection.js, renderTokenResponse), plus `sub` = the client, as RFC 9068 §2.2
 * puts it in a JWT access token, so a resource server reads one member whatever the format.
 */
export const clientCredentialsAnswer = (
  token: ClientCredentialsToken,
  issuer: string,
): IntrospectionAnswer => {
  const thumbprint = token['x5t#S256'];
  const cnf =
    token.jkt || thumbprint
      ? { ...(thumbprint ? { 'x5t#S256': thumbprint } : {}), ...(token.jkt ? { jkt: token.jkt } : {}) }
      : undefined;
  return {
    ...token.extra,
    active: true,
    client_id: token.clientId,
    exp: token.exp,
    iat: token.iat,
    iss: issuer,
    aud: token.aud === undefined ? undefined : audienceClaim(token.aud),
    ...(token.scope ? { scope: token.scope } : {}),
    ...(cnf ? { cnf } : {}),
    token_type: token.tokenType,
    sub: token.clientId,
  };
};

/**
 * A JWT access token Tessera signed and still vouches for: its claims, as signed — a DPoP-bound
 * one's `cnf.jkt` among them — and `token_type` `DPoP` when it is bound (RFC 9449 §6.2).
 */
export const jwtAnswer = (claims: AccessTokenClaims): IntrospectionAnswer => ({
  ...claims,
  aud: audienceClaim(claims.aud),
  active: true,
  token_type: typeof claims.cnf?.jkt === 'string' ? 'DPoP' : 'Bearer',
});

/** The answer for a PAT or RAT: RFC 7662 members plus Tessera's own. */
export type AccessTokenAnswer = {
  active: true;
  sub: string;
  scope: string;
  token_type: 'Bearer';
  iat: number;
  exp?: number;
  aud: string | string[];
  token_id: string;
  token_kind: TokenKind;
  resource?: ResourceRef;
  role?: string;
};

/**
 * A PAT or RAT, for a resource server entitled to see it, with the part of its effective scopes
 * and of its audience that resource server may be told (token-policies.ts, accessTokenViewFor).
 */
export const accessTokenAnswer = (
  resolved: ResolvedAccessToken,
  view: AccessTokenView,
): AccessTokenAnswer => {
  const { entry } = resolved;
  return {
    active: true,
    sub: entry.sub,
    scope: view.scopes.join(' '),
    token_type: 'Bearer',
    iat: entry.iat,
    ...(entry.exp !== null ? { exp: entry.exp } : {}),
    aud: audienceClaim(view.audience),
    token_id: entry.id,
    token_kind: entry.kind,
    ...(entry.res ? { resource: entry.res } : {}),
    ...(resolved.role ? { role: resolved.role } : {}),
  };
};
