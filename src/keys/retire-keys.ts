import { conflict, invalidInput, notFound } from '../errors.ts';
import { keyStoreOf } from './directory-key-store.ts';
import type { KeyChange, KeyStore } from './key-store.ts';
import { type KeyRow, listKeys } from './key-ring.ts';
import { keysUnavailable } from './stored-jwks.ts';

/** Why a key stayed in the file. */
export type KeepReason = 'signing' | 'pending' | 'tokens_may_be_valid' | 'not_selected';

export type KeptKey = KeyRow & {
  reason: KeepReason;
  /** For keys kept because their tokens may still be valid: from when they can be retired. */
  retirableAt?: number;
};

export type RetireResult = { removed: KeyRow[]; kept: KeptKey[] };

const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

/**
 * `tessera keys retire`: unpublishes previous keys. A key that stopped signing less than the
 * longest token TTL ago is kept, since a relying party could still be handed a valid token it
 * signed; `force` overrides that (after a key leak, say). Signers and pending keys are never removed.
 */
export const retireKeys = async (
  target: KeyStore | string,
  options: {
    now: number;
    maxTokenTtlSeconds: number;
    kid?: string;
    force?: boolean;
    /** Written with the removal (the audit event), in the store's transaction when it has one. */
    alsoWrite?: (result: RetireResult) => KeyChange<unknown>['alsoWrite'];
  },
): Promise<RetireResult> => {
  const { now, maxTokenTtlSeconds, kid, force = false } = options;
  if (!Number.isSafeInteger(maxTokenTtlSeconds) || maxTokenTtlSeconds < 0) {
    throw invalidInput(
      'maxTokenTtlSeconds must be a whole number of seconds, 0 or more',
      'maxTokenTtlSeconds',
    );
  }

  const store = keyStoreOf(target);
  return store.update(async (keys) => {
    if (!keys) throw keysUnavailable(`no signing keys in ${store.location}`);
    const rows = listKeys(keys, now);

    if (kid !== undefined) {
      const row = rows.find((candidate) => candidate.kid === kid);
      if (!row) throw notFound(`no signing key with kid ${kid} in ${store.location}`);
      if (row.status === 'signing') {
        throw conflict(
          `key ${kid} is the current ${row.alg} signer; rotate first, then retire it once its tokens expired`,
          'kid',
        );
      }
      if (row.status === 'pending') {
        throw conflict(
          `key ${kid} is pending (it becomes the ${row.alg} signer at ${iso(row.activatesAt)}) and cannot be retired`,
          'kid',
        );
      }
    }

    const removed: KeyRow[] = [];
    const kept: KeptKey[] = [];
    for (const row of rows) {
      if (row.status !== 'previous') kept.push({ ...row, reason: row.status });
      else if (kid !== undefined && row.kid !== kid) kept.push({ ...row, reason: 'not_selected' });
      else {
        const retirableAt = (row.stoppedSigningAt as number) + maxTokenTtlSeconds;
        if (now >= retirableAt || force) removed.push(row);
        else if (kid !== undefined) {
          throw conflict(
            `key ${kid} stopped signing at ${iso(row.stoppedSigningAt as number)}; tokens it signed may be valid until ${iso(retirableAt)}: retire it after then, or force it`,
            'kid',
          );
        } else kept.push({ ...row, reason: 'tokens_may_be_valid', retirableAt });
      }
    }

    // Nothing to remove: leave the store alone so watching servers do not reload for nothing.
    const result = { removed, kept };
    if (removed.length === 0) return { result };
    const gone = new Set(removed.map((row) => row.kid));
    return {
      keys: keys.filter((key) => !gone.has(key.kid)),
      result,
      alsoWrite: options.alsoWrite?.(result),
    };
  });
};
