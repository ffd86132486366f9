import type { Config } from './config/load-config.ts';
import { resolveSecrets, type Secrets } from './config/resolve-secrets.ts';
import { createDomain, type Domain } from './domain/create-domain.ts';
import { loadPolicyFile } from './domain/permissions/load-policy-file.ts';
import { openStorage, type Storage } from './storage/open-storage.ts';
import { createRedisTokenEntries } from './storage/token-entries/redis-token-entries.ts';

/**
 * Storage and the domain over it, as both the server and the CLI need them: the one place that
 * turns configuration into services.
 */
export type OpenDomain = {
  secrets: Secrets;
  storage: Storage;
  domain: Domain;
  /** How long in-process caches keep a record (see cacheLifetime). */
  cacheTtlMs: number;
  close: () => Promise<void>;
};

/**
 * Caches of clients, API resources and permissions are invalidated by the change bus. It reaches
 * every instance through Redis, and the single embedded process through itself; only a production
 * deployment without Redis has instances that miss each other's changes, so there entries live a
 * minute. Elsewhere the lifetime only bounds a lost message, and a long one keeps 100 000 clients
 * cached under load.
 */
const cacheLifetime = (config: Config, storage: Storage) =>
  config.profile === 'production' && !storage.redis ? 60_000 : 15 * 60_000;

export const openDomain = async (
  config: Config,
  options: { migrate: boolean; onBackgroundError?: (error: unknown) => void },
): Promise<OpenDomain> => {
  const secrets = resolveSecrets(config);
  const policy = config.policyFile ? loadPolicyFile(config.policyFile) : undefined;
  const storage = await openStorage(config, { pepper: secrets.pepper, migrate: options.migrate });
  const cacheTtlMs = cacheLifetime(config, storage);
  const domain = createDomain({
    cacheTtlMs,
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
    cacheTtlMs,
    async close() {
      await domain.lastUsed.stop();
      await storage.close();
    },
  };
};
