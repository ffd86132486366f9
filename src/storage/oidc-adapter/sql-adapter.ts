import type { Knex } from 'knex';
import type { SealedBox } from '../../crypto/sealed-box.ts';
import {
  consumeOidcModel,
  deleteOidcModel,
  deleteOidcModelsByGrantId,
  findLiveOidcModelById,
  findLiveOidcModelByUid,
  findLiveOidcModelByUserCode,
  type OidcModelRecord,
  sweepExpired,
  upsertOidcModel,
} from '../tables/oidc-models.ts';
import type { AdapterPayload, OidcAdapter, OidcAdapterFactory } from './contract.ts';
import { createPayloadProtection } from './payload-protection.ts';

/**
 * The oidc-provider adapter on SQL (PGlite in the embedded profile, PostgreSQL otherwise),
 * implementing contract.ts. Expired rows are invisible at once (every find compares `expires_at`
 * with the clock) and deleted later by the sweep.
 */
export type SqlAdapterFactory = OidcAdapterFactory & {
  /** Deletes the expired rows now; returns how many. */
  sweepExpired(): Promise<number>;
  /** Sweeps every `intervalMs` on a timer that does not keep the process alive; returns stop(). */
  startExpirySweep(intervalMs: number, onError?: (error: unknown) => void): () => void;
};

export type SqlAdapterDeps = {
  knex: Knex;
  hashId: (value: string) => string;
  sealedBox: SealedBox;
  /** Milliseconds since the epoch; injectable so tests move time instead of sleeping. */
  now?: () => number;
};

export const createSqlAdapterFactory = ({
  knex,
  hashId,
  sealedBox,
  now = Date.now,
}: SqlAdapterDeps): SqlAdapterFactory => {
  const protection = createPayloadProtection(sealedBox);
  const clock = () => new Date(now());

  const reveal = (record: OidcModelRecord | undefined, id?: string): AdapterPayload | undefined =>
    record ? protection.reveal(record.payload, id) : undefined;

  const factory = (model: string): OidcAdapter => ({
    async upsert(id, payload, expiresIn) {
      const at = now();
      await upsertOidcModel(knex, {
        model,
        id: hashId(id),
        payload: protection.protect(model, payload),
        grantId: typeof payload.grantId === 'string' ? hashId(payload.grantId) : null,
        uid: typeof payload.uid === 'string' ? hashId(payload.uid) : null,
        userCode: typeof payload.userCode === 'string' ? hashId(payload.userCode) : null,
        expiresAt: expiresIn === undefined ? null : new Date(at + expiresIn * 1000),
        consumedAt: typeof payload.consumed === 'number' ? new Date(payload.consumed * 1000) : null,
      });
    },
    async find(id) {
      return reveal(await findLiveOidcModelById(knex, model, hashId(id), clock()), id);
    },
    async findByUid(uid) {
      return reveal(await findLiveOidcModelByUid(knex, model, hashId(uid), clock()));
    },
    async findByUserCode(userCode) {
      return reveal(await findLiveOidcModelByUserCode(knex, model, hashId(userCode), clock()));
    },
    async consume(id) {
      await consumeOidcModel(knex, model, hashId(id), clock());
    },
    async destroy(id) {
      await deleteOidcModel(knex, model, hashId(id));
    },
    async revokeByGrantId(grantId) {
      await deleteOidcModelsByGrantId(knex, hashId(grantId));
    },
  });

  const sweep = () => sweepExpired(knex, clock());

  const startExpirySweep = (intervalMs: number, onError: (error: unknown) => void = () => {}) => {
    let running = false;
    const timer = setInterval(() => {
      // A slow sweep must not overlap the next tick and pile up work on the database.
      if (running) return;
      running = true;
      sweep()
        .catch(onError)
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  };

  return Object.assign(factory, { sweepExpired: sweep, startExpirySweep });
};
