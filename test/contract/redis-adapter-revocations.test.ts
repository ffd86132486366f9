import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomToken } from '../../src/crypto/random.ts';
import { createLocalChangeBus } from '../../src/storage/change-bus.ts';
import { createRedisAdapterFactory } from '../../src/storage/oidc-adapter/redis-adapter.ts';
import type { Repositories } from '../../src/storage/repositories.ts';
import { createRevocationList } from '../../src/storage/revocations/revocation-list.ts';
import type { RevocationRow } from '../../src/storage/tables/revocations.ts';
import { withRedisPrefix } from '../helpers/redis.ts';
import { contractDeps } from './oidc-adapter.contract.ts';

/**
 * The Redis adapter with the record of revocations: what it destroys, consumes or revokes by grant
 * is recorded first, and what Redis gives back afterwards (a failover, a restored snapshot — here
 * the very entry written again) stays revoked.
 */
const setUp = async (t: Parameters<typeof withRedisPrefix>[0]) => {
  const context = await withRedisPrefix(t);
  if (!context) return undefined;
  const recorded: RevocationRow[] = [];
  // The record's table, in memory: the list's behaviour on Postgres has tests of its own.
  const repositories = {
    revocations: {
      upsert: async (rows: readonly RevocationRow[]) => {
        recorded.push(...rows);
      },
      listSince: async () => ({ horizon: '0', rows: [...recorded] }),
      deleteExpired: async () => 0,
    },
  } as unknown as Repositories;
  const revocations = createRevocationList({ repositories, changes: createLocalChangeBus(), sweepMs: 0 });
  const deps = contractDeps();
  const factory = createRedisAdapterFactory({
    redis: context.redis,
    keyPrefix: context.prefix,
    ...deps,
    revocations,
  });
  return { factory, recorded, revocations, deps };
};

const NOW = () => Math.floor(Date.now() / 1000);

describe('the Redis adapter with the record of revocations', () => {
  it('records a destroyed token before deleting it, and never finds it again', async (t) => {
    const s = await setUp(t);
    if (!s) return;
    const tokens = s.factory('Token');
    const id = randomToken(32);
    const payload = { kind: 'ClientCredentials', clientId: 'svc', iat: NOW(), exp: NOW() + 600 };
    await tokens.upsert(id, payload, 600);
    await tokens.destroy(id);
    assert.deepEqual(
      s.recorded.map((row) => [row.kind, row.key]),
      [['opaque', s.deps.hashId(id)]],
    );
    const expiresIn = ((s.recorded[0]?.expiresAt?.getTime() ?? 0) - Date.now()) / 1000;
    assert.ok(expiresIn > 590 && expiresIn <= 600, `kept as long as the token lives (${expiresIn} s)`);

    await tokens.upsert(id, payload, 600); // what a reverted Redis gives back
    assert.equal(await tokens.find(id), undefined);
  });

  it('keeps every token of a revoked grant revoked, whatever Redis gives back', async (t) => {
    const s = await setUp(t);
    if (!s) return;
    const refresh = s.factory('Token');
    const [a, b] = [randomToken(32), randomToken(32)];
    const payload = { kind: 'RefreshToken', grantId: 'grant-1', clientId: 'web', iat: NOW() };
    await refresh.upsert(a, payload, 3600);
    await refresh.upsert(b, payload, 3600);
    await Promise.all([1, 2, 3].map(() => refresh.revokeByGrantId('grant-1')));
    assert.deepEqual(
      s.recorded.map((row) => [row.kind, row.key]),
      [['grant', s.deps.hashId('grant-1')]],
      'recorded once',
    );
    await refresh.upsert(a, payload, 3600);
    await refresh.upsert(randomToken(32), payload, 3600);
    assert.equal(await refresh.find(a), undefined);
    assert.equal(await refresh.find(b), undefined);
  });

  it('keeps a consumed code consumed when Redis forgets it was', async (t) => {
    const s = await setUp(t);
    if (!s) return;
    const codes = s.factory('AuthorizationCode');
    const id = randomToken(32);
    const payload = { kind: 'AuthorizationCode', grantId: 'g', clientId: 'web', iat: NOW() };
    await codes.upsert(id, payload, 60);
    await codes.consume(id);
    await codes.upsert(id, payload, 60); // unconsumed again in Redis
    const found = await codes.find(id);
    assert.equal(typeof found?.consumed, 'number', 'the library sees a replay and revokes the grant');
  });

  it('finds no token of a client deleted after it was issued', async (t) => {
    const s = await setUp(t);
    if (!s) return;
    const tokens = s.factory('Token');
    const old = randomToken(32);
    await tokens.upsert(old, { kind: 'ClientCredentials', clientId: 'gone', iat: NOW() - 5 }, 600);
    await s.revocations.revoke([
      { kind: 'client', key: 'gone', revokedAt: new Date(), expiresAt: new Date(Date.now() + 60_000) },
    ]);
    assert.equal(await tokens.find(old), undefined);
    const other = randomToken(32);
    await tokens.upsert(other, { kind: 'ClientCredentials', clientId: 'kept', iat: NOW() - 5 }, 600);
    assert.equal((await tokens.find(other))?.clientId, 'kept');
  });

  it('records nothing for models that are no credential (interactions)', async (t) => {
    const s = await setUp(t);
    if (!s) return;
    const interactions = s.factory('Interaction');
    const id = randomToken(16);
    await interactions.upsert(id, { kind: 'Interaction' }, 60);
    await interactions.destroy(id);
    assert.deepEqual(s.recorded, []);
    assert.equal(await interactions.find(id), undefined);
  });
});
