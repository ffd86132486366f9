import type { Knex } from 'knex';

/**
 * Transaction-scoped advisory locks: serialise check-then-write sequences that no constraint can
 * express, such as "a token name is unique among the owner's active tokens".
 */

/**
 * Waits for the lock named `key`, held until `trx` commits or rolls back. hashtext() folds the
 * key to 32 bits: two keys that collide only wait for each other, which is safe.
 */
export const lockForTransaction = async (trx: Knex, key: string): Promise<void> => {
  // Outside a transaction the lock would be released as soon as this statement ends, and the
  // caller would believe itself protected.
  if (trx.isTransaction !== true) {
    throw new Error('lockForTransaction needs a transaction');
  }
  await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [key]);
};
