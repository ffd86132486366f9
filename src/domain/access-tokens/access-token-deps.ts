import type { PepperHash } from '../../crypto/pepper-hash.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { RevocationList } from '../../storage/revocations/revocation-list.ts';
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
  /** The record of revocations in Postgres, which wins over whatever Redis says. */
  revocations: RevocationList;
  /** Hears what goes wrong after a commit (a tombstone Redis refused): logged, never the caller's error. */
  onBackgroundError: (error: unknown) => void;
  tokenHash: PepperHash;
  maxLifetimeDays: number | undefined;
  now: () => Date;
};
