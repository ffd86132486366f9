import type { KeyEncryptionKey } from '../crypto/key-encryption-key.ts';
import type { ChangeBus } from '../storage/change-bus.ts';
import type { Repositories } from '../storage/repositories.ts';
import type { SigningKeyRow } from '../storage/tables/signing-keys.ts';
import type { KeyStore } from './key-store.ts';
import { publicJwks } from './key-ring.ts';
import type { SigningKey } from './signing-key.ts';
import { keysUnavailable, parseStoredJwks } from './stored-jwks.ts';

/** Told on the change bus after every committed change, so each instance reloads at once. */
export const SIGNING_KEYS_TOPIC = 'signing-keys';

const LOCATION = 'the signing_keys table';

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * The production profile's keys: one row per key in Postgres, the private JWK sealed with the
 * key-encryption key (bound to its kid), the public JWK in clear. Every change runs in one
 * transaction under an advisory lock, so two rotations (two instances, a CLI and an API call)
 * never interleave, and is announced on the change bus once committed.
 */
export const createDatabaseKeyStore = (deps: {
  repositories: Repositories;
  kek: KeyEncryptionKey;
  /** Where the key-encryption key comes from, for the message when a key cannot be opened. */
  kekSource: string;
  changes: ChangeBus;
}): KeyStore & { readVersion(): Promise<string> } => {
  const open = async (row: SigningKeyRow): Promise<Record<string, unknown>> => {
    const plaintext = await deps.kek.open(row.sealedPrivateJwk, row.kid);
    if (plaintext === undefined) {
      throw keysUnavailable(
        `signing key ${row.kid} in ${LOCATION} cannot be opened with the key-encryption key from ${deps.kekSource} ` +
          `(it was sealed by ${row.kekId}, this key is ${deps.kek.id}); give every instance the key-encryption key that sealed it`,
      );
    }
    return {
      ...(JSON.parse(plaintext) as Record<string, unknown>),
      tessera_created_at: epochSeconds(row.createdAt),
      tessera_activates_at: epochSeconds(row.activatesAt),
    };
  };

  const readWith = async (repositories: Repositories): Promise<SigningKey[] | undefined> => {
    const rows = await repositories.signingKeys.list();
    if (rows.length === 0) return undefined;
    // Validated like a key file: a row Tessera could not sign with safely stops the load, by kid.
    return parseStoredJwks({ keys: await Promise.all(rows.map(open)) }, LOCATION);
  };

  const rowOf = async (key: SigningKey): Promise<SigningKeyRow> => ({
    kid: key.kid,
    alg: key.alg,
    publicJwk: publicJwks([key]).keys[0] as Record<string, unknown>,
    sealedPrivateJwk: await deps.kek.seal(JSON.stringify(key.jwk), key.kid),
    kekId: deps.kek.id,
    createdAt: new Date(key.createdAt * 1000),
    activatesAt: new Date(key.activatesAt * 1000),
  });

  return {
    location: LOCATION,
    read: () => readWith(deps.repositories),
    /** A fingerprint of the stored keys and their times, cheap enough to poll every second. */
    async readVersion() {
      const versions = await deps.repositories.signingKeys.listVersions();
      return versions.map((version) => `${version.kid}@${epochSeconds(version.activatesAt)}`).join(',');
    },
    async update(change) {
      let changed = false;
      const result = await deps.repositories.transaction(async (tx) => {
        await tx.locks.forTransaction('signing-keys');
        const current = (await readWith(tx)) ?? [];
        const outcome = await change(current.length > 0 ? current : undefined);
        if (outcome.keys) {
          const kept = new Set(outcome.keys.map((key) => key.kid));
          const had = new Set(current.map((key) => key.kid));
          const added = outcome.keys.filter((key) => !had.has(key.kid));
          const removed = current.filter((key) => !kept.has(key.kid)).map((key) => key.kid);
          await tx.signingKeys.insert(await Promise.all(added.map(rowOf)));
          await tx.signingKeys.delete(removed);
          changed = added.length > 0 || removed.length > 0;
        }
        await outcome.alsoWrite?.(tx);
        return outcome.result;
      });
      // After the commit: an instance told earlier could reload before the change is visible.
      // Best effort: a lost message is caught up by every instance's poll within a second.
      if (changed) await deps.changes.publish(SIGNING_KEYS_TOPIC, 'changed').catch(() => undefined);
      return result;
    },
  };
};
