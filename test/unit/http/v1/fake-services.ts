import { createKeyService } from '../../../../src/keys/key-service.ts';
import type { KeyStore } from '../../../../src/keys/key-store.ts';
import type { SigningKey } from '../../../../src/keys/signing-key.ts';
import type { Repositories } from '../../../../src/storage/repositories.ts';
import type {
  AccessTokenService,
  AccessTokenView,
  IssuedAccessToken,
} from '../../../../src/domain/access-tokens/access-token.ts';
import type { Actor } from '../../../../src/domain/actors.ts';
import type { RegistrationTokenService } from '../../../../src/domain/registration/registration-token-service.ts';
import type { AuditEventView, AuditService } from '../../../../src/domain/audit/audit-event.ts';
import type { ApiResourceService } from '../../../../src/domain/api-resources/api-resource-service.ts';
import type { AuthorizationService } from '../../../../src/domain/authorizations/authorization-service.ts';
import type { ClientView } from '../../../../src/domain/clients/client.ts';
import type { ClientService } from '../../../../src/domain/clients/client-service.ts';
import type { MemberView, ResourceService, ResourceView } from '../../../../src/domain/resources/resource.ts';
import type { DeliveryView, WebhookService, WebhookView } from '../../../../src/domain/webhooks/webhook.ts';

/**
 * Plain-object domain services for the HTTP layer's own tests: each method answers a fixed, valid
 * view and records how it was called. A test replaces a method to make it fail or answer otherwise.
 */

export const T = new Date('2025-06-01T12:00:00.000Z');
export const PAT = 'tsr_pat_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg0A1b2C';
export const RAT = 'tsr_rat_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg9Z8y7X';

export const personalView = (overrides: Partial<AccessTokenView> = {}): AccessTokenView => ({
  id: 'tok_personal0001',
  kind: 'personal',
  name: 'ci',
  scopes: ['groups:read-only'],
  audience: [],
  state: 'active',
  displayHint: 'tsr_pat_…1b2C',
  createdAt: T,
  createdBy: 'usr_alice',
  expiresAt: new Date('2025-07-01T23:59:59.999Z'),
  lastUsedAt: null,
  lastUsedIp: null,
  rotatedAt: null,
  revokedAt: null,
  ...overrides,
});

export const clientView = (overrides: Partial<ClientView> = {}): ClientView => ({
  clientId: 'cl_web0001',
  name: 'Web app',
  registeredVia: null,
  applicationType: 'web',
  tokenEndpointAuthMethod: 'client_secret_basic',
  grantTypes: ['authorization_code', 'refresh_token'],
  redirectUris: ['https://app.example.test/callback'],
  postLogoutRedirectUris: [],
  resources: [],
  scopes: [],
  introspects: [],
  refreshTokenAbsoluteTtl: null,
  refreshTokenIdleTtl: null,
  dpopBoundAccessTokens: false,
  createdAt: T,
  updatedAt: T,
  secretRotatedAt: null,
  previousSecretExpiresAt: null,
  jwks: null,
  jwksUri: null,
  ...overrides,
});

export const resourceTokenView = (overrides: Partial<AccessTokenView> = {}): AccessTokenView => ({
  ...personalView({ id: 'tok_resource0001', kind: 'resource', displayHint: 'tsr_rat_…8y7X' }),
  resource: { type: 'groups', id: '42' },
  botId: 'bot_deploy',
  role: 'developer',
  ...overrides,
});

export const resourceView = (overrides: Partial<ResourceView> = {}): ResourceView => ({
  type: 'groups',
  id: '42',
  name: 'Platform',
  parent: null,
  createdAt: T,
  updatedAt: T,
  ...overrides,
});

export const memberView = (overrides: Partial<MemberView> = {}): MemberView => ({
  subjectId: 'usr_alice',
  subjectKind: 'user',
  username: 'alice',
  role: 'maintainer',
  createdAt: T,
  updatedAt: T,
  ...overrides,
});

export const auditEventView = (overrides: Partial<AuditEventView> = {}): AuditEventView => ({
  id: 'evt_1',
  occurredAt: T,
  actor: { type: 'user', id: 'usr_alice' },
  action: 'access_token.create',
  target: { type: 'access_token', id: 'tok_personal0001' },
  ip: '127.0.0.1',
  userAgent: 'curl/8',
  details: { name: 'ci' },
  ...overrides,
});

export type Call = { method: string; actor: Actor; args: unknown[] };

export const createFakeServices = () => {
  const calls: Call[] = [];
  const record = (method: string, actor: Actor, ...args: unknown[]) => calls.push({ method, actor, args });
  const issued = (record: AccessTokenView, token: string): IssuedAccessToken => ({ token, record });

  const accessTokens: AccessTokenService = {
    createPersonal: async (actor, input) => {
      record('createPersonal', actor, input);
      return issued(personalView({ name: input.name, scopes: input.scopes }), PAT);
    },
    listPersonal: async (actor, options) => {
      record('listPersonal', actor, options);
      return { items: [personalView()], nextCursor: 'eyJpZCI6InRva18xIn0' };
    },
    getPersonal: async (actor, id) => {
      record('getPersonal', actor, id);
      return personalView({ id });
    },
    revokePersonal: async (actor, id) => {
      record('revokePersonal', actor, id);
      return personalView({ id, state: 'revoked', revokedAt: T });
    },
    rotatePersonal: async (actor, id) => {
      record('rotatePersonal', actor, id);
      return issued(personalView({ id, rotatedAt: T }), PAT);
    },
    createForResource: async (actor, resource, input) => {
      record('createForResource', actor, resource, input);
      return issued(resourceTokenView({ name: input.name, role: input.role, resource }), RAT);
    },
    listForResource: async (actor, resource, options) => {
      record('listForResource', actor, resource, options);
      return { items: [resourceTokenView({ resource })], nextCursor: null };
    },
    getForResource: async (actor, resource, id) => {
      record('getForResource', actor, resource, id);
      return resourceTokenView({ id, resource });
    },
    revokeForResource: async (actor, resource, id) => {
      record('revokeForResource', actor, resource, id);
      return resourceTokenView({ id, resource, state: 'revoked', revokedAt: T });
    },
    rotateForResource: async (actor, resource, id) => {
      record('rotateForResource', actor, resource, id);
      return issued(resourceTokenView({ id, resource, rotatedAt: T }), RAT);
    },
    // Not a management API route: POST /leaked-tokens has its own tests.
    revokeLeaked: async () => 'unknown',
    revokeByPolicy: async (actor, id, reason) => {
      record('revokeByPolicy', actor, id, reason);
      return personalView({ id, state: 'revoked', revokedAt: T });
    },
  };

  const resources: ResourceService = {
    put: async (actor, ref, input) => {
      record('put', actor, ref, input);
      return { resource: resourceView({ ...ref, ...input }), created: true };
    },
    get: async (actor, ref) => {
      record('get', actor, ref);
      return resourceView(ref);
    },
    remove: async (actor, ref) => {
      record('remove', actor, ref);
    },
    putMember: async (actor, ref, subjectId, role) => {
      record('putMember', actor, ref, subjectId, role);
      return { member: memberView({ subjectId, role }), created: true };
    },
    removeMember: async (actor, ref, subjectId) => {
      record('removeMember', actor, ref, subjectId);
    },
    listMembers: async (actor, ref) => {
      record('listMembers', actor, ref);
      return [
        memberView(),
        memberView({ subjectId: 'bot_deploy', subjectKind: 'bot', username: null, role: 'developer' }),
      ];
    },
    listMine: async (actor) => {
      record('listMine', actor);
      return [{ ...resourceView(), role: 'owner', inheritedFrom: null, grantedBy: 'membership' }];
    },
  };

  const audit: AuditService = {
    list: async (actor, query) => {
      record('list', actor, query);
      return { items: [auditEventView()], nextCursor: null };
    },
  };

  const userView = {
    id: 'usr_bob',
    username: 'bob',
    isAdmin: false,
    email: null,
    disabledAt: null,
    createdAt: T,
  };
  const users = {
    create: async (actor: Actor, input: { username: string; password: string; isAdmin?: boolean }) => {
      record('createUser', actor, { ...input, password: '(hidden)' });
      return userView;
    },
    list: async () => [userView],
    setDisabled: async (actor: Actor, username: string, disabled: boolean) => {
      record('setDisabled', actor, username, disabled);
      return { ...userView, disabledAt: disabled ? T : null };
    },
    describe: async (actor: Actor) => {
      record('describe', actor);
      return {
        id: actor.id,
        kind: actor.kind === 'operator' ? ('user' as const) : actor.kind,
        username: actor.kind === 'user' ? 'alice' : null,
        scopes: actor.kind === 'operator' ? ['admin'] : [...actor.credential.scopes],
        grantableScopes: actor.kind === 'user' ? ['tokens:read', 'tokens:write'] : [],
      };
    },
  };

  // The real key service over keys held in memory: the routes' meaning is the service's.
  let storedKeys: SigningKey[] | undefined;
  const keyStore: KeyStore = {
    location: 'memory',
    read: async () => storedKeys,
    update: async (change) => {
      const { keys, result } = await change(storedKeys);
      if (keys) storedKeys = [...keys];
      return result;
    },
  };
  const signingKeys = createKeyService({
    store: keyStore,
    repositories: {} as Repositories,
    minimumActivationSeconds: 62,
    defaultActivationSeconds: 62,
    maxTokenTtlSeconds: async () => 3600,
  });

  const webhookView = (): WebhookView => ({
    id: 'whk_sample',
    url: 'https://hooks.example.com/tessera',
    eventTypes: ['token.revoked'],
    description: '',
    enabled: true,
    createdBy: 'usr_alice',
    createdAt: T,
    updatedAt: T,
  });
  const deliveryView = (): DeliveryView => ({
    id: '1',
    eventId: '1',
    eventType: 'token.revoked',
    streamKey: 'tok_personal0001',
    state: 'delivered',
    attempts: 1,
    createdAt: T,
    nextAttemptAt: null,
    finishedAt: T,
    lastAttempt: { at: T, status: 204, latencyMs: 12, error: null },
  });
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const webhooks: WebhookService = {
    create: async (actor, input) => {
      record('create', actor, input);
      return { webhook: webhookView(), secret: SECRET };
    },
    list: async (actor) => {
      record('list', actor);
      return [webhookView()];
    },
    get: async (actor, id) => {
      record('get', actor, id);
      return webhookView();
    },
    update: async (actor, id, input) => {
      record('update', actor, id, input);
      return webhookView();
    },
    rotateSecret: async (actor, id) => {
      record('rotateSecret', actor, id);
      return { webhook: webhookView(), secret: SECRET };
    },
    remove: async (actor, id) => {
      record('remove', actor, id);
    },
    deliveries: async (actor, id, options) => {
      record('deliveries', actor, id, options);
      return [deliveryView()];
    },
    sendTest: async (actor, id) => {
      record('sendTest', actor, id);
      return { eventId: '2' };
    },
  };

  const clients: ClientService = {
    find: async () => undefined,
    findMany: async () => new Map(),
    create: async (actor, input) => {
      record('create', actor, input);
      return { clientId: 'cl_web0001', clientSecret: 'tsr_cs_secret', client: clientView() };
    },
    update: async (actor, clientId, input) => {
      record('update', actor, clientId, input);
      return clientView();
    },
    list: async () => [clientView()],
    get: async (clientId) => clientView({ clientId }),
    rotateSecret: async (actor, clientId, input) => {
      record('rotateSecret', actor, clientId, input);
      return { clientId, clientSecret: 'tsr_cs_new', client: clientView({ clientId }) };
    },
    register: async () => {
      throw new Error('the management API never registers clients (RFC 7591 does)');
    },
    remove: async (actor, clientId) => {
      record('remove', actor as Actor, clientId);
    },
  };

  const authorizations: AuthorizationService = {
    record: async () => {},
    listMine: async (actor) => {
      record('listMine', actor);
      return [];
    },
    revoke: async (actor, clientId) => {
      record('revoke', actor, clientId);
      return [];
    },
  };

  const apiResource = {
    identifier: 'https://api.example.test',
    name: 'Example API',
    format: 'jwt' as const,
    accessTokenTtl: 3600,
    scopes: ['groups:read-only'],
    signingAlg: 'ES256' as const,
    createdAt: T,
    updatedAt: T,
  };
  const apiResources: ApiResourceService = {
    create: async (actor, input) => {
      record('create', actor, input);
      return apiResource;
    },
    list: async () => [apiResource],
    find: async () => apiResource,
    get: async () => apiResource,
    remove: async (actor, identifier) => {
      record('remove', actor, identifier);
    },
  };

  const registrationTokens: RegistrationTokenService = {
    create: async (actor, input) => {
      record('createRegistrationToken', actor, input);
      return {
        token: 'tsr_rit_token',
        registrationToken: {
          id: 'rit_0001',
          name: String(input.name),
          expiresAt: T,
          createdBy: actor.id,
          createdAt: T,
          revokedAt: null,
          lastUsedAt: null,
          uses: 0,
        },
      };
    },
    list: async () => [],
    revoke: async (actor, id) => {
      record('revokeRegistrationToken', actor, id);
      return {
        id,
        name: 'ci',
        expiresAt: T,
        createdBy: actor.id,
        createdAt: T,
        revokedAt: T,
        lastUsedAt: null,
        uses: 0,
      };
    },
    findLive: async () => undefined,
    markUsed: async () => {},
  };

  return {
    accessTokens,
    resources,
    audit,
    users,
    signingKeys,
    keyStore,
    webhooks,
    registrationTokens,
    clients,
    apiResources,
    authorizations,
    calls,
  };
};
