import { createPepperHash } from '../crypto/pepper-hash.ts';
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
import { createUserService } from './users/user-service.ts';

export const ACCESS_TOKEN_HASH_PURPOSE = 'access-token';

export type DomainDeps = {
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
  return {
    policy,
    permissions,
    lastUsed,
    /** What a presented client secret is compared against (the clients' stored hashes). */
    clientSecretHash,
    /** Revocations of the library's tokens: recorded in Postgres, checked in memory. */
    revocations,
    apiResources: createApiResourceService({ repositories, changes }),
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
    }),
    users: createUserService({ repositories, permissions, policy, now }),
    resources: createResourceService({
      repositories,
      policy,
      permissions,
      now,
      tokenRevocations: { entries: deps.tokenEntries, revocations: revocationList, onBackgroundError },
    }),
    accessTokens: createAccessTokenService({
      repositories,
      permissions,
      policy,
      entries: deps.tokenEntries,
      revocations: revocationList,
      onBackgroundError,
      tokenHash,
      maxLifetimeDays: deps.tokenMaxLifetimeDays,
      now,
    }),
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
  };
};

export type Domain = ReturnType<typeof createDomain>;
