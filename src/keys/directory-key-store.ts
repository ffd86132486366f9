import { keyFilePath, readKeyFile, writeKeyFile } from './key-file.ts';
import { withKeyFileLock } from './key-file-lock.ts';
import type { KeyStore } from './key-store.ts';

/** The keys folder (`<keysDir>/jwks.json`), changed under its lock file. */
export const createDirectoryKeyStore = (keysDir: string): KeyStore => ({
  location: keyFilePath(keysDir),
  read: () => readKeyFile(keysDir),
  update: (change) =>
    withKeyFileLock(keysDir, async () => {
      const { keys, result } = await change(await readKeyFile(keysDir));
      if (keys) await writeKeyFile(keysDir, keys);
      return result;
    }),
});

/** A store, or a keys folder's path (what the file-only callers pass). */
export const keyStoreOf = (target: KeyStore | string): KeyStore =>
  typeof target === 'string' ? createDirectoryKeyStore(target) : target;
