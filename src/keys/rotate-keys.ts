import { invalidInput } from '../errors.ts';
import { generateSigningKey } from './generate-key.ts';
import { keyStoreOf } from './directory-key-store.ts';
import type { KeyChange, KeyStore } from './key-store.ts';
import { isSigningAlg, SIGNING_ALGS, type SigningAlg } from './signing-key.ts';
import { keysUnavailable } from './stored-jwks.ts';

export type RotatedKey = { kid: string; alg: SigningAlg; activatesAt: number };

/**
 * `tessera keys rotate`: adds one key per algorithm that signs from `now + activateInSeconds`.
 * The delay is what makes rotation safe with several instances and caching relying parties: the
 * new key is published everywhere before any instance signs with it.
 */
export const rotateKeys = async (
  target: KeyStore | string,
  options: {
    now: number;
    activateInSeconds: number;
    algs?: readonly string[];
    /** Written with the new keys (the audit event), in the store's transaction when it has one. */
    alsoWrite?: (added: RotatedKey[]) => KeyChange<unknown>['alsoWrite'];
  },
): Promise<{ added: RotatedKey[] }> => {
  const { now, activateInSeconds } = options;
  if (!Number.isSafeInteger(activateInSeconds) || activateInSeconds < 0) {
    throw invalidInput('activateInSeconds must be a whole number of seconds, 0 or more', 'activateInSeconds');
  }
  const unsupported = (options.algs ?? []).filter((alg) => !isSigningAlg(alg));
  if (unsupported.length > 0) {
    throw invalidInput(
      `unsupported alg(s) ${unsupported.join(', ')}; use ${SIGNING_ALGS.join(', ')}`,
      'algs',
    );
  }

  const store = keyStoreOf(target);
  return store.update(async (keys) => {
    if (!keys) throw keysUnavailable(`no signing keys in ${store.location}; run tessera keys generate first`);
    const present = new Set<string>(options.algs ?? keys.map((key) => key.alg));
    const algs = SIGNING_ALGS.filter((alg) => present.has(alg));
    const activatesAt = now + activateInSeconds;
    const added = await Promise.all(algs.map((alg) => generateSigningKey(alg, { now, activatesAt })));
    const rotated = added.map((key) => ({ kid: key.kid, alg: key.alg, activatesAt: key.activatesAt }));
    return { keys: [...keys, ...added], result: { added: rotated }, alsoWrite: options.alsoWrite?.(rotated) };
  });
};
