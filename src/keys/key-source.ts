import type { ChangeBus } from '../storage/change-bus.ts';
import { SIGNING_KEYS_TOPIC } from './database-key-store.ts';
import { ensureKeys, type EnsureKeysResult } from './generate-keys.ts';
import { readKeyFile } from './key-file.ts';
import type { KeyStore } from './key-store.ts';
import type { SigningKey } from './signing-key.ts';
import { keysFromJwks } from './stored-jwks.ts';
import { watchKeys } from './watch-keys.ts';

/**
 * Where a running server's key ring gets its keys and hears that they changed: the keys folder
 * (watched), the database (change bus, and a poll in case a message is lost), or the environment
 * (changes only with a redeploy).
 */
export type KeySource = {
  /** The keys at start: generated and stored when there are none yet (folder and database). */
  start(now: number): Promise<EnsureKeysResult | { action: 'loaded'; path: string; keys: SigningKey[] }>;
  /** The keys now, or undefined when they are gone from the source. */
  load(): Promise<SigningKey[] | undefined>;
  /** Calls `changed` when the keys may have changed; returns how to stop listening. */
  watch(changed: () => void): () => void;
  readonly location: string;
};

export const environmentKeySource = (jwks: unknown): KeySource => {
  const keys = keysFromJwks(jwks);
  return {
    location: 'TESSERA_JWKS',
    start: async () => ({ action: 'loaded', path: 'TESSERA_JWKS', keys }),
    load: async () => keys,
    watch: () => () => {},
  };
};

export const directoryKeySource = (keysDir: string, store: KeyStore): KeySource => ({
  location: store.location,
  start: (now) => ensureKeys(store, { now }),
  load: () => readKeyFile(keysDir),
  watch: (changed) => {
    const watcher = watchKeys(keysDir, changed);
    return () => watcher.stop();
  },
});

/**
 * The database: every committed change is announced on the change bus, which reaches every
 * instance within milliseconds through Redis. A message is lost to an instance that was
 * disconnected, so each instance also compares a cheap fingerprint of the table every
 * `pollIntervalMs` (one second by default): it follows any change within that time either way.
 */
export const databaseKeySource = (
  store: KeyStore & { readVersion(): Promise<string> },
  deps: { changes: ChangeBus; pollIntervalMs?: number; onPollError?: (error: unknown) => void },
): KeySource => ({
  location: store.location,
  start: (now) => ensureKeys(store, { now }),
  load: () => store.read(),
  watch: (changed) => {
    let stopped = false;
    let version: string | undefined;
    deps.changes.subscribe(SIGNING_KEYS_TOPIC, () => {
      if (!stopped) changed();
    });
    let failing = false;
    const poll = async () => {
      try {
        const next = await store.readVersion();
        failing = false;
        if (version !== undefined && next !== version) changed();
        version = next;
      } catch (error) {
        // Postgres unreachable: the keys in use stay, and the next poll tries again. Told once.
        if (!failing) deps.onPollError?.(error);
        failing = true;
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), deps.pollIntervalMs ?? 1_000);
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  },
});
