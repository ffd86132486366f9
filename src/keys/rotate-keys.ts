import { invalidInput } from '../errors.ts';
import { generateSigningKey } from './generate-key.ts';
import { keyFilePath, readKeyFile, writeKeyFile } from './key-file.ts';
import { withKeyFileLock } from './key-file-lock.ts';
import { isSigningAlg, SIGNING_ALGS, type SigningAlg } from './signing-key.ts';
import { keysUnavailable } from './stored-jwks.ts';

export type RotatedKey = { kid: string; alg: SigningAlg; activatesAt: number };

/**
 * `tessera keys rotate`: adds one key per algorithm that signs from `now + activateInSeconds`.
 * The delay is what makes rotation safe with several instances and caching relying parties: the
 * new key is published everywhere before any instance signs with it.
 */
export const rotateKeys = async (
  keysDir: string,
  options: { now: number; activateInSeconds: number; algs?: readonly string[] },
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

  return withKeyFileLock(keysDir, async () => {
    const keys = await readKeyFile(keysDir);
    if (!keys)
      throw keysUnavailable(`no signing keys at ${keyFilePath(keysDir)}; run tessera keys generate first`);
    const present = new Set<string>(options.algs ?? keys.map((key) => key.alg));
    const algs = SIGNING_ALGS.filter((alg) => present.has(alg));
    const activatesAt = now + activateInSeconds;
    const added = await Promise.all(algs.map((alg) => generateSigningKey(alg, { now, activatesAt })));
    await writeKeyFile(keysDir, [...keys, ...added]);
    return { added: added.map((key) => ({ kid: key.kid, alg: key.alg, activatesAt: key.activatesAt })) };
  });
};
