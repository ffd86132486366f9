import type { Config } from '../config/load-config.ts';
import { createLocalKeyEncryptionKey } from '../crypto/key-encryption-key.ts';
import { AppError, conflict } from '../errors.ts';
import { createDatabaseKeyStore } from '../keys/database-key-store.ts';
import { createDirectoryKeyStore } from '../keys/directory-key-store.ts';
import {
  databaseKeySource,
  directoryKeySource,
  environmentKeySource,
  type KeySource,
} from '../keys/key-source.ts';
import type { KeyStore } from '../keys/key-store.ts';
import { keysFromJwks } from '../keys/stored-jwks.ts';
import type { Storage } from '../storage/open-storage.ts';

/**
 * Seconds an instance may take to learn a change of the keys table: the poll runs every second, the
 * change bus is faster; the rest is margin for a slow query.
 */
export const KEY_PROPAGATION_SECONDS = 2;

export type SigningKeys = {
  /** Keys from TESSERA_JWKS can be read, and changed only by a redeploy. */
  store: KeyStore;
  /** What a running server follows. */
  source: (options: { onPollError: (error: unknown) => void }) => KeySource;
  /**
   * Shared by several instances (the database): a rotated key must be published for the JWKS cache
   * time plus the propagation time before it signs. A folder keeps `tessera keys rotate`'s
   * meaning (any delay, 0 by default); the API's default is the JWKS cache time there too.
   */
  minimumActivationSeconds: number;
  defaultActivationSeconds: number;
};

export const openSigningKeys = (
  config: Pick<Config, 'keysStore' | 'keysDir' | 'jwks' | 'keyEncryptionKey' | 'jwksCacheSeconds'>,
  storage: Pick<Storage, 'repositories' | 'changes'>,
): SigningKeys => {
  if (config.keysStore === 'environment') {
    const keys = keysFromJwks(config.jwks);
    return {
      // Listed like any store; changed only by redeploying with a new JWKS.
      store: {
        location: 'TESSERA_JWKS',
        read: async () => keys,
        update: async () => {
          throw conflict(
            'the signing keys come from TESSERA_JWKS; change them by redeploying with a new JWKS',
          );
        },
      },
      source: () => environmentKeySource(config.jwks),
      minimumActivationSeconds: 0,
      defaultActivationSeconds: 0,
    };
  }
  if (config.keysStore === 'directory') {
    const store = createDirectoryKeyStore(config.keysDir, storage.repositories);
    return {
      store,
      source: () => directoryKeySource(config.keysDir, store),
      minimumActivationSeconds: 0,
      defaultActivationSeconds: config.jwksCacheSeconds,
    };
  }
  if (!config.keyEncryptionKey) {
    // load-config refuses this already; kept so the type needs no assertion.
    throw new AppError('config_invalid', 'TESSERA_KEY_ENCRYPTION_KEY is required with DATABASE_URL');
  }
  const store = createDatabaseKeyStore({
    repositories: storage.repositories,
    kek: createLocalKeyEncryptionKey(config.keyEncryptionKey.secret),
    kekSource: config.keyEncryptionKey.source,
    changes: storage.changes,
  });
  const staged = config.jwksCacheSeconds + KEY_PROPAGATION_SECONDS;
  return {
    store,
    source: ({ onPollError }) => databaseKeySource(store, { changes: storage.changes, onPollError }),
    minimumActivationSeconds: staged,
    defaultActivationSeconds: staged,
  };
};
