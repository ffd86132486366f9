import { decodeProtectedHeader } from 'jose';
import type { Provider } from 'oidc-provider';
import type { JwtAccessTokens } from '../jwt-access-tokens.ts';
import type { AccessTokenResolver } from '../../domain/access-tokens/access-token-resolver.ts';
import { looksLikeTesseraToken } from '@tessera/verify/token-format';
import type { TokenPolicies } from '../configuration/token-policies.ts';
import {
  clientCredentialsAnswer,
  inactive,
  type IntrospectionAnswer,
  jwtAnswer,
} from '../introspection-answers.ts';
import { introspectPersonalToken } from '../middleware/personal-token-introspection.ts';
import { CLIENT_AUTH_PARAMETERS, type ClientAuthenticator } from './client-secret-auth.ts';
import { onlyParameters } from './form-post.ts';
import type { LaneRequest } from './lane-request.ts';

const PARAMETERS = new Set(['token', 'token_type_hint', ...CLIENT_AUTH_PARAMETERS]);

export type IntrospectionLaneDeps = {
  accessTokens: AccessTokenResolver;
  policies: TokenPolicies;
  /** When given, JWT access tokens are answered here too, as jwt-introspection-and-revocation.ts does. */
  jwtAccessTokens?: JwtAccessTokens;
};

/** The library's test for a JWT (lib/shared/reject_structured_tokens.js): its header decodes. */
const isStructured = (token: string): boolean => {
  try {
    return !!decodeProtectedHeader(token);
  } catch {
    return false;
  }
};

/** jwt-introspection-and-revocation.ts's answer for a JWT, for the same caller. */
const introspectJwt = async (
  deps: IntrospectionLaneDeps & { jwtAccessTokens: JwtAccessTokens },
  callerId: string,
  token: string,
): Promise<IntrospectionAnswer> => {
  const jwts = deps.jwtAccessTokens;
  const claims = await jwts.verify(token);
  if (!claims || (await jwts.isRevoked(claims))) return inactive();
  if (!(await deps.policies.mayIntrospect(callerId, { clientId: claims.client_id, aud: claims.aud })))
    return inactive();
  return jwtAnswer(claims);
};

/**
 * `POST /token/introspection` by a client with a secret, for the tokens a resource server asks
 * about on every request: client_credentials tokens and Tessera's PATs and RATs. It answers
 * exactly what the library and Tessera's middleware answer together (create-provider.ts): the
 * same policy, and the same answer from the same builder (introspection-answers.ts). Tessera's
 * JWT access tokens are answered as jwt-introspection-and-revocation.ts answers them once the
 * library has refused them as structured tokens; tokens the token store holds under another
 * model, and sender-constrained tokens, are left to the library.
 * The token is looked up through the library's model, hence the token store adapter, which
 * consults the record of revocations (redis-adapter.ts): a revoked token Redis gives back after a
 * flush or failover is not found here either.
 */
export const createIntrospectionLane =
  (deps: IntrospectionLaneDeps, provider: Provider, authenticate: ClientAuthenticator) =>
  async ({ params, authorization, ip }: LaneRequest): Promise<IntrospectionAnswer | undefined> => {
    const { token } = params;
    if (token === undefined || !onlyParameters(params, PARAMETERS)) return undefined;
    const { jwtAccessTokens } = deps;
    const structured = token.includes('.');
    if (structured && (!jwtAccessTokens || !isStructured(token))) return undefined;
    const caller = await authenticate(authorization, params);
    if (!caller) return undefined;

    if (structured && jwtAccessTokens)
      return introspectJwt({ ...deps, jwtAccessTokens }, caller.clientId, token);

    if (looksLikeTesseraToken(token)) {
      return (await introspectPersonalToken(deps.accessTokens, caller, token, ip)) ?? inactive();
    }

    const found = await provider.ClientCredentials.find(token);
    if (!found) return undefined;
    if (found.jkt || found['x5t#S256'] || found.extra) return undefined;
    if (!found.isValid || !(await deps.policies.mayIntrospect(caller.clientId, found))) return inactive();
    return clientCredentialsAnswer(found, provider.issuer);
  };
