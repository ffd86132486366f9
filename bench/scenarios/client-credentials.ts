import { basicAuth, JWT_API, JWT_SCOPE, OPAQUE_API, OPAQUE_SCOPE } from '../lib/targets.ts';
import type { ComparedScenario, LoadPlan } from './scenario.ts';

/** Scenarios 1 and 2: the token endpoint, client_credentials with client_secret_basic, one client. */
export const FORM = 'application/x-www-form-urlencoded';

export const tokenRequest = (
  resource: string,
  scope: string,
): Pick<LoadPlan, 'method' | 'path' | 'body'> => ({
  method: 'POST',
  path: '/token',
  body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }).toString(),
});

export const clientCredentialsJwt: ComparedScenario = {
  kind: 'compared',
  id: 'client-credentials-jwt',
  number: 1,
  title: 'client_credentials, JWT (ES256), client_secret_basic',
  pinnedTarget: 1.5,
  plan: async (_ctx, _target, fixtures) => ({
    ...tokenRequest(JWT_API, JWT_SCOPE),
    headers: { 'content-type': FORM, authorization: basicAuth(fixtures.service) },
  }),
};

export const clientCredentialsOpaque: ComparedScenario = {
  kind: 'compared',
  id: 'client-credentials-opaque',
  number: 2,
  title: 'client_credentials, opaque, client_secret_basic',
  pinnedTarget: 1.5,
  plan: async (_ctx, _target, fixtures) => ({
    ...tokenRequest(OPAQUE_API, OPAQUE_SCOPE),
    headers: { 'content-type': FORM, authorization: basicAuth(fixtures.service) },
  }),
};
