/**
 * The storage contract oidc-provider needs for its models (tokens, grants, sessions, interactions…),
 * written out once. Two implementations honour it — `sql-adapter.ts` (knex: PGlite or PostgreSQL)
 * and `redis-adapter.ts` (ioredis: standalone, Sentinel or Cluster) — and both pass the shared suite
 * in `test/contract/oidc-adapter.contract.ts`.
 *
 * Rules every implementation keeps:
 * - **Nothing bearer-capable at rest.** `id`, `uid`, `userCode` and `grantId` become keys or
 *   column values only as `hashId(value)` (HMAC with the server pepper). The stored payload never
 *   holds `jti` (it is the token itself for opaque tokens); `find(id)` puts `jti: id` back. Models
 *   that are looked up by something other than their id (findByUid, findByUserCode) keep their
 *   jti sealed (AES-GCM) instead, and so does every other sensitive field (`userCode`,
 *   `session.cookie` of an Interaction).
 * - `upsert` replaces the whole payload and sets expiry `expiresIn` seconds from now (no expiry
 *   when `expiresIn` is undefined); an expired entry is never returned.
 * - `consume` marks an entry consumed: later finds return it with `consumed` = epoch seconds.
 * - `revokeByGrantId` destroys every entry that was upserted with that `grantId`, in any model.
 * - `find`, `findByUid`, `findByUserCode` of something unknown resolve to undefined, never throw.
 */
export type AdapterPayload = {
  jti?: string;
  uid?: string;
  userCode?: string;
  grantId?: string;
  consumed?: number;
  exp?: number;
  iat?: number;
  kind?: string;
  [key: string]: unknown;
};

export type OidcAdapter = {
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
};

/** oidc-provider calls `new Adapter(modelName)`; a factory per model is the same thing, typed. */
export type OidcAdapterFactory = (modelName: string) => OidcAdapter;
