import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { randomToken } from '../../src/crypto/random.ts';
import { createRedisAdapterFactory } from '../../src/storage/oidc-adapter/redis-adapter.ts';
import { withRedisPrefix } from '../helpers/redis.ts';
import { contractDeps, runOidcAdapterContract } from './oidc-adapter.contract.ts';

/** Every key under the prefix with its value, whatever the key's type. */
const dumpPrefix = async (redis: Redis, prefix: string): Promise<string> => {
  const entries: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value = type === 'set' ? (await redis.smembers(key)).join(',') : await redis.get(key);
      entries.push(`${key} => ${value}`);
    }
  } while (cursor !== '0');
  return entries.join('\n');
};

runOidcAdapterContract('the Redis adapter', async (t, deps) => {
  const context = await withRedisPrefix(t);
  if (!context) return undefined;
  const { redis, prefix } = context;
  return {
    factory: createRedisAdapterFactory({ redis, keyPrefix: prefix, ...deps }),
    remainingTtlMs: (model, id) => redis.pttl(`${prefix}${model}:${deps.hashId(id)}`),
    dump: () => dumpPrefix(redis, prefix),
  };
});

describe('the Redis adapter', () => {
  it('keeps a live ClientCredentials token well under 400 bytes of Redis memory', async (t) => {
    const context = await withRedisPrefix(t);
    if (!context) return;
    const { redis, prefix } = context;
    const deps = contractDeps();
    // The test's prefix is 18 bytes longer than production's 'tessera:': the figure errs high.
    const adapter = createRedisAdapterFactory({
      redis,
      keyPrefix: prefix,
      ...deps,
    })('ClientCredentials');
    const now = Math.floor(Date.now() / 1000);
    // What oidc-provider upserts for client_credentials: 256-bit id, audience, scopes, empty extra.
    const id = randomToken(32);
    await adapter.upsert(
      id,
      {
        iat: now,
        exp: now + 3600,
        kind: 'ClientCredentials',
        jti: id,
        clientId: 'svc-billing',
        aud: 'https://api.example.com/invoices',
        scope: 'invoices:read invoices:write',
        extra: {},
      },
      3600,
    );
    const key = `${prefix}ClientCredentials:${deps.hashId(id)}`;
    const bytes = (await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number;
    const value = (await redis.get(key)) ?? '';
    t.diagnostic(`MEMORY USAGE ${bytes} bytes (key ${key.length} B, value ${value.length} B)`);
    assert.ok(bytes < 400, `a ClientCredentials entry uses ${bytes} bytes`);
    assert.ok(!value.includes(id), 'the token id is not in the value');
  });

  it('extends a grant index to its longest-lived member', async (t) => {
    const context = await withRedisPrefix(t);
    if (!context) return;
    const { redis, prefix } = context;
    const deps = contractDeps();
    const factory = createRedisAdapterFactory({
      redis,
      keyPrefix: prefix,
      ...deps,
    });
    const grantId = randomToken();
    const grantKey = `${prefix}by-grant:${deps.hashId(grantId)}`;

    await factory('RefreshToken').upsert('rt', { kind: 'RefreshToken', jti: 'rt', grantId }, 86_400);
    await factory('AccessToken').upsert('at', { kind: 'AccessToken', jti: 'at', grantId }, 60);
    const ttl = await redis.pttl(grantKey);
    assert.ok(
      ttl > 86_000_000 && ttl <= 86_400_000,
      `the set lives as long as the refresh token, got ${ttl}`,
    );

    await factory('Grant').upsert('grant', {
      kind: 'Grant',
      jti: 'grant',
      grantId,
    });
    assert.equal(await redis.pttl(grantKey), -1, 'a member without expiry makes the set persistent');
  });

  it('appends consumed to the stored JSON without reshaping empty arrays', async (t) => {
    const context = await withRedisPrefix(t);
    if (!context) return;
    const { redis, prefix } = context;
    const deps = contractDeps();
    const adapter = createRedisAdapterFactory({
      redis,
      keyPrefix: prefix,
      ...deps,
      now: () => 1_700_000_000_000,
    })('RefreshToken');
    await adapter.upsert('rt', { kind: 'RefreshToken', jti: 'rt', rar: [], claims: {} }, 60);
    await adapter.consume('rt');
    await adapter.consume('rt');
    assert.deepEqual(await adapter.find('rt'), {
      kind: 'RefreshToken',
      jti: 'rt',
      rar: [],
      claims: {},
      consumed: 1_700_000_000,
    });
  });
});
