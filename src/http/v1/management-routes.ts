import type { AccessTokenService } from '../../domain/access-tokens/access-token.ts';
import type { TokenRequestRules } from '../../domain/access-tokens/token-request.ts';
import type { AuditService } from '../../domain/audit/audit-event.ts';
import type { ClientService } from '../../domain/clients/client-service.ts';
import type { ApiResourceService } from '../../domain/api-resources/api-resource-service.ts';
import type { AuthorizationService } from '../../domain/authorizations/authorization-service.ts';
import type { ResourceService } from '../../domain/resources/resource.ts';
import type { KeyService } from '../../keys/key-service.ts';
import type { UserService } from '../../domain/users/user-service.ts';
import type { WebhookService } from '../../domain/webhooks/webhook.ts';
import type { RegistrationTokenService } from '../../domain/registration/registration-token-service.ts';
import type { Route } from './define-route.ts';
import { createOpenApiDocument, type OpenApiDocument } from './openapi-document.ts';
import { createAuditEventRoutes } from './routes/audit-event-routes.ts';
import { createClientRoutes } from './routes/client-routes.ts';
import { createUserRoutes } from './routes/user-routes.ts';
import { createApiResourceRoutes } from './routes/api-resource-routes.ts';
import { createAuthorizationRoutes } from './routes/authorization-routes.ts';
import { createMeRoutes } from './routes/me-routes.ts';
import { createOpenApiRoute } from './routes/openapi-route.ts';
import { createPersonalTokenRoutes } from './routes/personal-token-routes.ts';
import { createResourceRoutes } from './routes/resource-routes.ts';
import { createResourceTokenRoutes } from './routes/resource-token-routes.ts';
import { createSigningKeyRoutes } from './routes/signing-key-routes.ts';
import { createWebhookRoutes } from './routes/webhook-routes.ts';
import { createRegistrationTokenRoutes } from './routes/registration-token-routes.ts';

export type ManagementRouteDeps = {
  accessTokens: AccessTokenService;
  resources: ResourceService;
  audit: AuditService;
  clients: ClientService;
  apiResources: ApiResourceService;
  authorizations: AuthorizationService;
  /** Drops revoked grants' tokens from the token store. */
  destroyGrants?: (grantIds: string[]) => Promise<void>;
  users: Pick<UserService, 'describe' | 'create' | 'list' | 'setDisabled'>;
  signingKeys: KeyService;
  webhooks: WebhookService;
  /** Initial access tokens for dynamic client registration (RFC 7591). */
  registrationTokens: RegistrationTokenService;
  /** The operator's token lifetime policy and the clock: the token create bodies check them. */
  tokenRules?: TokenRequestRules | undefined;
  /** Where the API is reached: `Location` headers and the document's server are under `<issuer>/v1`. */
  issuer: string;
};

/** Every route of the management API; the OpenAPI document is generated from this same list. */
export const createManagementRoutes = (deps: ManagementRouteDeps): Route[] => {
  const routes: Route[] = [
    ...createPersonalTokenRoutes(deps),
    ...createResourceTokenRoutes(deps),
    ...createResourceRoutes(deps),
    ...createMeRoutes(deps),
    ...createAuditEventRoutes(deps),
    ...createSigningKeyRoutes(deps),
    ...createWebhookRoutes(deps),
    ...createApiResourceRoutes(deps),
    ...createClientRoutes(deps),
    ...createRegistrationTokenRoutes(deps),
    ...createAuthorizationRoutes(deps),
    ...createUserRoutes(deps),
  ];
  let document: OpenApiDocument | undefined;
  routes.push(
    createOpenApiRoute(() => (document ??= createOpenApiDocument(routes, { issuer: deps.issuer }))),
  );
  return routes;
};
