import { conflict } from '../errors.ts';
import { keyStoreOf } from './directory-key-store.ts';
import { generateSigningKey } from './generate-key.ts';
import type { KeyStore } from './key-store.ts';
import { SIGNING_ALGS, type SigningKey } from './signing-key.ts';

/** One key per supported algorithm, all signing at once: nothing was signed before them. */
const createKeySet = (now: number): Promise<SigningKey[]> =>
  Promise.all(SIGNING_ALGS.map((alg) => generateSigningKey(alg, { now })));

/**
 * Stores a fresh key set (`tessera keys generate`) in a store or a keys folder. Existing keys are
 * kept unless `force`: replacing them unpublishes every key, so tokens already issued stop verifying.
 */
export const generateKeys = (
  target: KeyStore | string,
  options: { now: number; force?: boolean },
): Promise<SigningKey[]> => {
  const store = keyStoreOf(target);
  return store.update(async (current) => {
    if (current && !options.force) {
      throw conflict(
        `${store.location} already holds signing keys; use tessera keys rotate to add keys, or force replacing them (tokens signed by them will stop verifying)`,
      );
    }
    const keys = await createKeySet(options.now);
    return { keys, result: keys };
  });
};

export type EnsureKeysResult = { action: 'loaded' | 'generated'; path: string; keys: SigningKey[] };

/** At server start: the stored keys, or a new key set when there is none yet. */
export const ensureKeys = async (
  target: KeyStore | string,
  options: { now: number },
): Promise<EnsureKeysResult> => {
  const store = keyStoreOf(target);
  const path = store.location;
  const loaded = await store.read();
  if (loaded) return { action: 'loaded', path, keys: loaded };
  // Instances starting together: the first one generates under the lock, the others load its keys.
  return store.update<EnsureKeysResult>(async (written) => {
    if (written) return { result: { action: 'loaded', path, keys: written } };
    const keys = await createKeySet(options.now);
    return { keys, result: { action: 'generated', path, keys } };
  });
};
