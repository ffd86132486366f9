import type { Actor } from '../domain/actors.ts';
import { actorScopes } from '../domain/actors.ts';
import { recordAudit } from '../domain/audit/audit-log.ts';
import { conflict, forbidden } from '../errors.ts';
import type { Repositories } from '../storage/repositories.ts';
import { generateKeys } from './generate-keys.ts';
import type { KeyStore } from './key-store.ts';
import { type KeyRow, listKeys } from './key-ring.ts';
import { type RetireResult, retireKeys } from './retire-keys.ts';
import { type RotatedKey, rotateKeys } from './rotate-keys.ts';
import type { SigningKey } from './signing-key.ts';
import { keysUnavailable } from './stored-jwks.ts';

/**
 * The signing-key operations behind `tessera keys` (production profile) and the /v1 keys API:
 * admin only, audited in the transaction that changes the keys, and staged: in a store several
 * instances share, a new key is published for at least `minimumActivationSeconds` (the relying
 * parties' JWKS cache time plus the time instances take to learn it) before anything signs with it.
 */
export type KeyServiceDeps = {
  /** Undefined: the keys come from TESSERA_JWKS and change with a redeploy. */
  store: KeyStore | undefined;
  repositories: Repositories;
  /** The shortest delay before a rotated key may sign; 0 lets an operator choose any delay. */
  minimumActivationSeconds: number;
  /** The delay when the caller names none. */
  defaultActivationSeconds: number;
  /** The longest an access or ID token lives: how long a retired key's tokens may still be presented. */
  maxTokenTtlSeconds: () => Promise<number>;
  now?: () => number;
};

export type ImportResult = { imported: KeyRow[]; alreadyStored: string[] };

const epochSeconds = () => Math.floor(Date.now() / 1000);

export const createKeyService = (deps: KeyServiceDeps) => {
  const now = deps.now ?? epochSeconds;
  const requireAdmin = (actor: Actor) => {
    if (!actorScopes(actor).includes('admin')) {
      throw forbidden('signing keys are for administrators (scope admin)');
    }
  };
  const writableStore = (): KeyStore => {
    if (!deps.store) {
      throw conflict('the signing keys come from TESSERA_JWKS; change them by redeploying with a new JWKS');
    }
    return deps.store;
  };
  const audit =
    (actor: Actor, action: string, keys: readonly { kid: string; alg: string }[], details = {}) =>
    (tx: Repositories) =>
      Promise.all(
        keys.map((key) =>
          recordAudit(tx, actor, {
            action,
            target: { type: 'signing_key', id: key.kid },
            details: { alg: key.alg, ...details },
          }),
        ),
      );

  return {
    minimumActivationSeconds: deps.minimumActivationSeconds,
    defaultActivationSeconds: deps.defaultActivationSeconds,

    async list(actor: Actor, keys?: readonly SigningKey[]): Promise<KeyRow[]> {
      requireAdmin(actor);
      const stored = keys ?? (await deps.store?.read());
      if (!stored)
        throw keysUnavailable('no signing keys yet; they are generated when the server first starts');
      return listKeys(stored, now());
    },

    async generate(actor: Actor, options: { force?: boolean }): Promise<KeyRow[]> {
      requireAdmin(actor);
      const keys = await generateKeys(writableStore(), { now: now(), force: options.force });
      const rows = listKeys(keys, now());
      await audit(actor, 'signing_key.generate', rows)(deps.repositories);
      return rows;
    },

    async rotate(
      actor: Actor,
      options: { activateInSeconds?: number | undefined; algs?: readonly string[] | undefined },
    ): Promise<{ added: RotatedKey[] }> {
      requireAdmin(actor);
      const activateInSeconds = options.activateInSeconds ?? deps.defaultActivationSeconds;
      if (activateInSeconds < deps.minimumActivationSeconds) {
        throw conflict(
          `a rotated key must be published for ${deps.minimumActivationSeconds} seconds before it signs ` +
            '(the JWKS cache time TESSERA_JWKS_CACHE_SECONDS plus the time instances take to learn it); ' +
            `activateInSeconds ${activateInSeconds} is shorter`,
          'activateInSeconds',
        );
      }
      return rotateKeys(writableStore(), {
        now: now(),
        activateInSeconds,
        algs: options.algs,
        alsoWrite: (added) =>
          audit(actor, 'signing_key.rotate', added, {
            activates_at: new Date((added[0]?.activatesAt ?? 0) * 1000).toISOString(),
          }),
      });
    },

    async retire(
      actor: Actor,
      options: {
        kid?: string | undefined;
        force?: boolean | undefined;
        maxTokenTtlSeconds?: number | undefined;
      },
    ): Promise<RetireResult> {
      requireAdmin(actor);
      const maxTokenTtlSeconds = options.maxTokenTtlSeconds ?? (await deps.maxTokenTtlSeconds());
      return retireKeys(writableStore(), {
        now: now(),
        maxTokenTtlSeconds,
        kid: options.kid,
        force: options.force === true,
        alsoWrite: (result) =>
          audit(actor, 'signing_key.retire', result.removed, { forced: options.force === true }),
      });
    },

    /**
     * Adds keys from a keys folder (`tessera keys import --from-dir`); a kid already stored is left
     * alone, so running it twice changes nothing. Into a store that already holds keys, a key that
     * would take over signing at once is first published for the minimum activation delay.
     */
    async import(actor: Actor, keys: readonly SigningKey[]): Promise<ImportResult> {
      requireAdmin(actor);
      const at = now();
      return writableStore().update(async (current) => {
        const stored = new Set((current ?? []).map((key) => key.kid));
        const fresh = keys.filter((key) => !stored.has(key.kid));
        const staged = current
          ? fresh.map((key) => {
              const signer = listKeys(current, at).find(
                (row) => row.alg === key.alg && row.status === 'signing',
              );
              const wouldSignNow = key.activatesAt <= at && (!signer || key.activatesAt > signer.activatesAt);
              return wouldSignNow ? { ...key, activatesAt: at + deps.minimumActivationSeconds } : key;
            })
          : fresh;
        const merged = [...(current ?? []), ...staged];
        const imported = listKeys(merged, at).filter((row) => !stored.has(row.kid));
        return {
          keys: staged.length > 0 ? merged : undefined,
          result: {
            imported,
            alreadyStored: keys.filter((key) => stored.has(key.kid)).map((key) => key.kid),
          },
          alsoWrite: staged.length > 0 ? audit(actor, 'signing_key.import', imported) : undefined,
        };
      });
    },
  };
};

export type KeyService = ReturnType<typeof createKeyService>;
