import { errors, type Provider } from 'oidc-provider';
import {
  CLIENT_CREDENTIALS_PARAMETERS,
  type ClientCredentialsDeps,
  issueClientCredentialsToken,
  type TokenResponse,
} from '../grants/client-credentials.ts';
import { CLIENT_AUTH_PARAMETERS, type ClientAuthenticator } from './client-secret-auth.ts';
import { onlyParameters } from './form-post.ts';
import type { LaneRequest } from './lane-request.ts';

const PARAMETERS = new Set(['grant_type', ...CLIENT_CREDENTIALS_PARAMETERS, ...CLIENT_AUTH_PARAMETERS]);

/**
 * `POST /token` with `grant_type=client_credentials` and a client secret, without DPoP: the
 * service-to-service call that dominates an authorization server's traffic. The token comes from the same function
 * the registered grant uses; any OAuth error is left to the library to answer.
 */
export const createTokenLane =
  (deps: ClientCredentialsDeps, provider: Provider, authenticate: ClientAuthenticator) =>
  async ({ params, authorization }: LaneRequest): Promise<TokenResponse | undefined> => {
    if (params.grant_type !== 'client_credentials' || !onlyParameters(params, PARAMETERS)) return undefined;
    const row = await authenticate(authorization, params);
    if (!row?.grantTypes.includes('client_credentials')) return undefined;
    // A request with a DPoP proof never comes here (form-post.ts); one without, from a client that
    // must send one, is the grant's to refuse (grants/dpop-binding.ts).
    if (row.dpopBoundAccessTokens) return undefined;
    try {
      const { body } = await issueClientCredentialsToken(provider, deps, row, {
        resource: params.resource,
        scope: params.scope,
      });
      return body;
    } catch (error) {
      if (error instanceof errors.OIDCProviderError) return undefined;
      throw error;
    }
  };
