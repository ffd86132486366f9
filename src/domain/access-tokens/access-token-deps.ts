import type { PepperHash } from '../../crypto/pepper-hash.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { TokenEntries } from '../../storage/token-entries/contract.ts';
import type { Policy } from '../permissions/policy.ts';
import type { Permissions } from '../permissions/subject-permissions.ts';

/** What every job on personal and resource access tokens (create, list, revoke, rotate) works with. */
export type AccessTokenDeps = {
  repositories: Repositories;
  permissions: Permissions;
  policy: Policy;
  /** The Redis fast path for PAT/RAT lookups; undefined without Redis. */
  entries: TokenEntries | undefined;
  tokenHash: PepperHash;
  maxLifetimeDays: number | undefined;
  now: () => Date;
};
