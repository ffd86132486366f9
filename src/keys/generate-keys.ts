import { access } from 'node:fs/promises';
import { conflict } from '../errors.ts';
import { generateSigningKey } from './generate-key.ts';
import { keyFilePath, readKeyFile, writeKeyFile } from './key-file.ts';
import { withKeyFileLock } from './key-file-lock.ts';
import { SIGNING_ALGS, type SigningKey } from './signing-key.ts';

/** One key per supported algorithm, all signing at once: nothing was signed before them. */
const createKeySet = (now: number): Promise<SigningKey[]> =>
  Promise.all(SIGNING_ALGS.map((alg) => generateSigningKey(alg, { now })));

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Writes a fresh key file (`tessera keys generate`). An existing file is kept unless `force`:
 * replacing it unpublishes every key, so tokens already issued stop verifying.
 */
export const generateKeys = (
  keysDir: string,
  options: { now: number; force?: boolean },
): Promise<SigningKey[]> =>
  withKeyFileLock(keysDir, async () => {
    const path = keyFilePath(keysDir);
    if (!options.force && (await exists(path))) {
      throw conflict(
        `${path} already exists; use tessera keys rotate to add keys, or force replacing it (tokens signed by its keys will stop verifying)`,
      );
    }
    const keys = await createKeySet(options.now);
    await writeKeyFile(keysDir, keys);
    return keys;
  });

export type EnsureKeysResult = { action: 'loaded' | 'generated'; path: string; keys: SigningKey[] };

/** At server start: the keys in the file, or a new key file when there is none yet. */
export const ensureKeys = async (keysDir: string, options: { now: number }): Promise<EnsureKeysResult> => {
  const path = keyFilePath(keysDir);
  const loaded = await readKeyFile(keysDir);
  if (loaded) return { action: 'loaded', path, keys: loaded };
  // Instances starting together on a shared volume: the first one generates, the others load its file.
  return withKeyFileLock(keysDir, async () => {
    const written = await readKeyFile(keysDir);
    if (written) return { action: 'loaded', path, keys: written };
    const keys = await createKeySet(options.now);
    await writeKeyFile(keysDir, keys);
    return { action: 'generated', path, keys };
  });
};
