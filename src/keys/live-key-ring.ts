import type { JSONWebKeySet } from 'jose';
import type { Logger } from '../logging/create-logger.ts';
import { ensureKeys } from './generate-keys.ts';
import { readKeyFile } from './key-file.ts';
import { listKeys, nextChangeAt, publicJwks, signingKids, toProviderJwks } from './key-ring.ts';
import type { SigningKey } from './signing-key.ts';
import { keysFromJwks } from './stored-jwks.ts';
import { watchKeys } from './watch-keys.ts';

export type KeyRingView = {
  providerJwks: JSONWebKeySet;
  publicJwks: JSONWebKeySet;
  signingKids: string[];
  /** The keys that sign now, with their creation time (epoch seconds): the metrics' key ages. */
  signingKeys: { kid: string; alg: string; createdAt: number }[];
};

const epochSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The signing keys a running server uses, kept current without a restart: the key file is watched
 * (and re-read on SIGHUP through `reload`), and a pending key takes over as signer at its
 * activation time. `onChange` is called after every change so the provider can be rebuilt. A key
 * file that turns unreadable is reported and the keys in use are kept: signing never stops.
 */
export const createLiveKeyRing = async (deps: {
  keysDir: string;
  jwks: unknown;
  logger: Logger;
  onChange: () => void;
  now?: () => number;
}) => {
  const now = deps.now ?? epochSeconds;
  let keys: SigningKey[];
  if (deps.jwks) {
    keys = keysFromJwks(deps.jwks);
  } else {
    const ensured = await ensureKeys(deps.keysDir, { now: now() });
    keys = ensured.keys;
    if (ensured.action === 'generated') deps.logger.info({ path: ensured.path }, 'generated signing keys');
  }

  const viewOf = (current: readonly SigningKey[]): KeyRingView => ({
    providerJwks: toProviderJwks(current, now()),
    publicJwks: publicJwks(current),
    signingKids: signingKids(current, now()),
    signingKeys: listKeys(current, now())
      .filter((row) => row.status === 'signing')
      .map(({ kid, alg, createdAt }) => ({ kid, alg, createdAt })),
  });
  let view = viewOf(keys);
  let activation: NodeJS.Timeout | undefined;

  const scheduleActivation = () => {
    clearTimeout(activation);
    const at = nextChangeAt(keys, now());
    if (at === undefined) return;
    // setTimeout takes at most ~24.8 days; a later activation is re-scheduled on the way.
    const delay = Math.min(Math.max(at - now(), 0) * 1000 + 50, 2 ** 31 - 1);
    activation = setTimeout(update, delay);
    activation.unref();
  };

  function update() {
    view = viewOf(keys);
    scheduleActivation();
    deps.onChange();
  }
  scheduleActivation();

  const fingerprint = (current: readonly SigningKey[]) =>
    current
      .map((key) => `${key.kid}@${key.activatesAt}`)
      .sort()
      .join(',');

  const readAndApply = async () => {
    try {
      const loaded = await readKeyFile(deps.keysDir);
      if (!loaded) {
        deps.logger.error({ keysDir: deps.keysDir }, 'signing key file disappeared; keeping the keys in use');
      } else if (fingerprint(loaded) !== fingerprint(keys)) {
        keys = loaded;
        update();
      }
    } catch (error) {
      deps.logger.error({ err: error }, 'signing key file is unusable; keeping the keys in use');
    }
  };
  // Reloads run one after another, so an older read can never overwrite a newer one.
  let reloading = Promise.resolve();
  const reload = (): Promise<void> => {
    if (deps.jwks) return reloading; // keys from the environment change with a redeploy
    reloading = reloading.then(readAndApply);
    return reloading;
  };
  const watcher = deps.jwks ? undefined : watchKeys(deps.keysDir, () => void reload());

  return {
    current: (): KeyRingView => view,
    reload,
    stop() {
      clearTimeout(activation);
      watcher?.stop();
    },
  };
};
