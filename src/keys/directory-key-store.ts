import { keyFilePath, readKeyFile, writeKeyFile } from './key-file.ts';
import { withKeyFileLock } from './key-file-lock.ts';
import type { Repositories } from '../storage/repositories.ts';
import type { KeyStore } from './key-store.ts';

/**
 * The keys folder (`<keysDir>/jwks.json`), changed under its lock file. With `repositories` (a
 * server's), what a change also writes (its audit event) goes there once the file is written: a
 * file and a database share no transaction.
 */
export const createDirectoryKeyStore = (keysDir: string, repositories?: Repositories): KeyStore => ({
  location: keyFilePath(keysDir),
  read: () => readKeyFile(keysDir),
  update: (change) =>
    withKeyFileLock(keysDir, async () => {
      const { keys, result, alsoWrite } = await change(await readKeyFile(keysDir));
      if (keys) await writeKeyFile(keysDir, keys);
      if (repositories) await alsoWrite?.(repositories);
      return result;
    }),
});

/** A store, or a keys folder's path (what the file-only callers pass). */
export const keyStoreOf = (target: KeyStore | string): KeyStore =>
  typeof target === 'string' ? createDirectoryKeyStore(target) : target;
