import type { Repositories } from '../storage/repositories.ts';
import type { SigningKey } from './signing-key.ts';

/**
 * What a change returns: the keys to store (none: nothing changed), the caller's result, and for a
 * store with a database, what else to write in the same transaction (the audit event).
 */
export type KeyChange<T> = {
  keys?: readonly SigningKey[];
  result: T;
  alsoWrite?: (tx: Repositories) => Promise<unknown>;
};

/**
 * Where the signing keys are kept: a keys folder (`directory-key-store.ts`, the embedded profile)
 * or the `signing_keys` table (`database-key-store.ts`, the production profile). Generating,
 * rotating, retiring and importing are written once against this, so `tessera keys` and the /v1
 * keys API mean the same thing over either.
 */
export type KeyStore = {
  /** Where the keys are, for messages: a file path, or the table's name. */
  readonly location: string;
  /** The keys, or undefined when none were ever generated here. */
  read(): Promise<SigningKey[] | undefined>;
  /**
   * Runs `change` on the current keys while no other writer can (a lock file, or a database lock),
   * and stores `keys` when it returns some; `result` is handed back.
   */
  update<T>(change: (keys: SigningKey[] | undefined) => Promise<KeyChange<T>>): Promise<T>;
};
