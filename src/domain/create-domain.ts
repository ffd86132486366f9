import { createKeyService, type KeyServiceDeps } from '../keys/key-service.ts';
import { createPepperHash } from '../crypto/pepper-hash.ts';
import { createSealedBox } from '../crypto/sealed-box.ts';
import type { ChangeBus } from '../storage/change-bus.ts';
import type { Repositories } from '../storage/repositories.ts';
import { createAccessTokenResolver } from './access-tokens/access-token-resolver.ts';
import { createAccessTokenService } from './access-tokens/access-token-service.ts';
import { createLastUsed } from './access-tokens/last-used.ts';
import type { TokenEntries } from '../storage/token-entries/contract.ts';
import { createRevocationList, type RevocationList } from '../storage/revocations/revocation-list.ts';
import { createRevocationService } from './revocations/revocation-service.ts';
import { createApiResourceService } from './api-resources/api-resource-service.ts';
import { createAuditService } from './audit/audit-log.ts';
import { CLIENT_SECRET_HASH_PURPOSE } from './clients/client-secret.ts';
import { createClientService } from './clients/client-service.ts';
import { createAuthorizationService } from './authorizations/authorization-service.ts';
import { createPolicy, type PolicyDefinition } from './permissions/policy.ts';
import { createPermissions } from './permissions/subject-permissions.ts';
import { createResourceService } from './resources/resource-service.ts';
import {
  createRegistrationTokenService,
  REGISTRATION_TOKEN_HASH_PURPOSE,
} from './registration/registration-token-service.ts';
import { createNoticeMailer } from './notices/notice-mailer.ts';
import { createTokenNoticeRunner } from './notices/token-notice-runner.ts';
import { createUserService } from './users/user-service.ts';
import { createWebhookDispatcher } from './webhooks/webhook-dispatcher.ts';
import { createWebhookSender } from './webhooks/webhook-sender.ts';
import { createWebhookService } from './webhooks/webhook-service.ts';

export const ACCESS_TOKEN_HASH_PURPOSE = 'access-token';
export const WEBHOOK_SECRET_PURPOSE = 'webhook-secret';

export type NoticeSettings = {
  expiryDays: number[];
  smtpUrl?: string | undefined;
  smtpFrom?: string | undefined;
  idleTokenDays?: number | undefined;
  idleNoticeDays?: number | undefined;
};

/** Webhook delivery settings (configuration: TESSERA_WEBHOOK_*). */
export type WebhookSettings = {
  /** Plain http to loopback receivers (tests, local development); never in production. */
  allowHttpLoopback: boolean;
  timeoutMs: number;
  /** A delivery failing this long after its first attempt is given up (dead-lettered). */
  deadLetterMs: number;
};

/** ID tokens live an hour: the floor for how long a retired key's tokens may still be presented. */
const ID_TOKEN_TTL_SECONDS = 3600;

export type DomainDeps = {
  /** Where the signing keys are kept, and how rotations are staged (absent: keys from TESSERA_JWKS). */
  signingKeys?: Pick<KeyServiceDeps, 'store' | 'minimumActivationSeconds' | 'defaultActivationSeconds'>;
  repositories: Repositories;
  changes: ChangeBus;
  pepper: string;
  /** The Redis fast path for PAT/RAT lookups; undefined without Redis. */
  tokenEntries: TokenEntries | undefined;
  /** The record of revocations (storage.revocations); one over `repositories` when absent. */
  revocations?: RevocationList | undefined;
  /** The token store's key of an id (storage.hashTokenStoreId): what grant revocations name. */
  tokenStoreKey?: ((id: string) => string) | undefined;
  policy?: PolicyDefinition | undefined;
  tokenMaxLifetimeDays?: number | undefined;
  onBackgroundError?: (error: unknown) => void;
  /** Lifetime of cached permissions; changes arrive over the bus before it runs out. */
  cacheTtlMs?: number | undefined;
  webhooks?: Partial<WebhookSettings> | undefined;
  /** Hosts the server may fetch from whatever they resolve to (TESSERA_OUTBOUND_ALLOW_HOSTS). */
  outboundAllowHosts?: readonly string[] | undefined;
  /** Expiry and idle notices (configuration: TESSERA_EXPIRY_NOTICE_DAYS, TESSERA_SMTP_*, TESSERA_IDLE_*). */
  notices?: NoticeSettings | undefined;
  now?: () => Date;
};

/** The domain services, built over one set of repositories. */
export const createDomain = (deps: DomainDeps) => {
  const { repositories, changes } = deps;
  const policy = createPolicy(deps.policy);
  const permissions = createPermissions({ repositories, policy, changes, cacheTtlMs: deps.cacheTtlMs });
  const tokenHash = createPepperHash(deps.pepper, ACCESS_TOKEN_HASH_PURPOSE);
  const clientSecretHash = createPepperHash(deps.pepper, CLIENT_SECRET_HASH_PURPOSE);
  const lastUsed = createLastUsed({ repositories, onError: deps.onBackgroundError ?? (() => {}) });
  const now = deps.now;
  const revocationList = deps.revocations ?? createRevocationList({ repositories, changes });
  const revocations = createRevocationService({ repositories, list: revocationList });
  const onBackgroundError = deps.onBackgroundError ?? (() => {});
  const apiResources = createApiResourceService({ repositories, changes });
  const webhookSecrets = createSealedBox(deps.pepper, WEBHOOK_SECRET_PURPOSE);
  const urlPolicy = { allowHttpLoopback: deps.webhooks?.allowHttpLoopback ?? false };
  const accessTokens = createAccessTokenService({
    repositories,
    permissions,
    policy,
    entries: deps.tokenEntries,
    revocations: revocationList,
    onBackgroundError,
    tokenHash,
    maxLifetimeDays: deps.tokenMaxLifetimeDays,
    now,
  });
  const notices = deps.notices;
  return {
    policy,
    permissions,
    lastUsed,
    /** What a presented client secret is compared against (the clients' stored hashes). */
    clientSecretHash,
    /** Revocations of the library's tokens: recorded in Postgres, checked in memory. */
    revocations,
    apiResources,
    signingKeys: createKeyService({
      store: deps.signingKeys?.store,
      minimumActivationSeconds: deps.signingKeys?.minimumActivationSeconds ?? 0,
      defaultActivationSeconds: deps.signingKeys?.defaultActivationSeconds ?? 0,
      repositories,
      maxTokenTtlSeconds: async () =>
        Math.max(ID_TOKEN_TTL_SECONDS, ...(await apiResources.list()).map((api) => api.accessTokenTtl)),
    }),
    authorizations: createAuthorizationService({
      repositories,
      revocations: revocationList,
      tokenStoreKey: deps.tokenStoreKey ?? ((id) => id),
    }),
    clients: createClientService({
      repositories,
      changes,
      secretHash: clientSecretHash,
      revocations: revocationList,
      outboundAllowHosts: deps.outboundAllowHosts,
    }),
    /** Initial access tokens of dynamic client registration (RFC 7591). */
    registrationTokens: createRegistrationTokenService({
      repositories,
      tokenHash: createPepperHash(deps.pepper, REGISTRATION_TOKEN_HASH_PURPOSE),
      now,
    }),
    users: createUserService({ repositories, permissions, policy, now }),
    resources: createResourceService({
      repositories,
      policy,
      permissions,
      now,
      tokenRevocations: { entries: deps.tokenEntries, revocations: revocationList, onBackgroundError },
    }),
    accessTokens,
    accessTokenResolver: createAccessTokenResolver({
      repositories,
      permissions,
      policy,
      entries: deps.tokenEntries,
      revocations: revocationList,
      lastUsed,
      tokenHash,
      now: now && (() => Math.floor(now().getTime() / 1000)),
    }),
    audit: createAuditService({ repositories }),
    webhooks: createWebhookService({ repositories, secrets: webhookSecrets, urlPolicy, now }),
    /** Sends queued webhook deliveries; the server starts it (every instance runs one). */
    webhookDispatcher: createWebhookDispatcher({
      repositories,
      secrets: webhookSecrets,
      send: createWebhookSender(urlPolicy),
      now,
      timeoutMs: deps.webhooks?.timeoutMs,
      retry: deps.webhooks?.deadLetterMs ? { deadLetterMs: deps.webhooks.deadLetterMs } : undefined,
      onError: onBackgroundError,
    }),
    /** Expiry and idle notices; the server starts it (every instance; each notice is sent once). */
    tokenNotices: createTokenNoticeRunner({
      repositories,
      now: now ?? (() => new Date()),
      expiryDays: notices?.expiryDays ?? [30, 7, 1],
      idle: notices?.idleTokenDays
        ? { days: notices.idleTokenDays, noticeDays: notices.idleNoticeDays ?? 7 }
        : undefined,
      mailer: notices?.smtpUrl
        ? createNoticeMailer({
            smtpUrl: notices.smtpUrl,
            from: notices.smtpFrom ?? 'Tessera <tessera@localhost>',
          })
        : undefined,
      revokeIdle: (actor, id) => accessTokens.revokeByPolicy(actor, id, 'idle'),
      onError: onBackgroundError,
    }),
  };
};

export type Domain = ReturnType<typeof createDomain>;
