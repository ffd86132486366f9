import type { Config } from './config/load-config.ts';
import { resolveSecrets, type Secrets } from './config/resolve-secrets.ts';
import { createDomain, type Domain } from './domain/create-domain.ts';
import { loadPolicyFile } from './domain/permissions/load-policy-file.ts';
import { openStorage, type Storage } from './storage/open-storage.ts';
import { createRedisTokenEntries } from './storage/redis-token-entries.ts';

/**
 * Storage and the domain over it, as both the server and the CLI need them: the one place that
 * turns configuration into services.
 */
export type OpenDomain = { secrets: Secrets; storage: Storage; domain: Domain; close: () => Promise<void> };

export const openDomain = async (
  config: Config,
  options: { migrate: boolean; onBackgroundError?: (error: unknown) => void },
): Promise<OpenDomain> => {
  const secrets = resolveSecrets(config);
  const policy = config.policyFile ? loadPolicyFile(config.policyFile) : undefined;
  const storage = await openStorage(config, { pepper: secrets.pepper, migrate: options.migrate });
  const domain = createDomain({
    repositories: storage.repositories,
    changes: storage.changes,
    pepper: secrets.pepper,
    tokenEntries: storage.redis ? createRedisTokenEntries(storage.redis, config.redisPrefix) : undefined,
    policy,
    tokenMaxLifetimeDays: config.tokenMaxLifetimeDays,
    onBackgroundError: options.onBackgroundError,
  });
  return {
    secrets,
    storage,
    domain,
    async close() {
      await domain.lastUsed.stop();
      await storage.close();
    },
  };
};
