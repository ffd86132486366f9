import type { Cluster, Redis } from 'ioredis';
import type { SealedBox } from '../../crypto/sealed-box.ts';
import type { Revocation, RevocationKind, RevocationList } from '../revocations/revocation-list.ts';
import type { AdapterPayload, OidcAdapter, OidcAdapterFactory } from './contract.ts';
import { createPayloadProtection } from './payload-protection.ts';

/**
 * The oidc-provider adapter on Redis (standalone, Sentinel or Cluster), implementing contract.ts.
 *
 * Layout, every id an HMAC (`hashId`):
 *   <prefix><Model>:<id>                  the protected payload as compact JSON, EX = expiresIn
 *   <prefix><Model>:by-uid:<uid>          → <id>, same expiry (Session)
 *   <prefix><Model>:by-user-code:<code>   → <id>, same expiry (DeviceCode)
 *   <prefix>by-grant:<grantId>            set of "<Model>:<id>", expiry = its longest member's
 *
 * Each command touches one key, so every command and script works on a Cluster; writes to several
 * keys are separate commands, never one MULTI (a cross-slot MULTI is refused by Cluster). Indexes
 * may briefly outlive their entry after a destroy; finds through them re-check what they return.
 *
 * Redis may lose or revert data (flush, failover to a lagging replica, an old snapshot): a destroy,
 * consume or grant revocation of a token is therefore recorded in Postgres first (`revocations`),
 * and every find consults that record, so what Redis gives back cannot revive a revoked token.
 */
export type RedisAdapterDeps = {
  redis: Redis | Cluster;
  /** Namespace of every key, e.g. 'tessera:'. */
  keyPrefix: string;
  hashId: (value: string) => string;
  sealedBox: SealedBox;
  /** The record of revocations; without it (contract tests) Redis alone decides. */
  revocations?: RevocationList | undefined;
  /** How long a revocation is kept when Redis no longer knows the token's expiry: the longest TTL. */
  maxTtlSeconds?: number;
  /** Milliseconds since the epoch, for `consumed`; expiry itself is Redis' own clock. */
  now?: () => number;
};

/**
 * Models whose entries are bearer credentials or what issues them: their end is recorded. Not
 * sessions: every sign-in replaces one (Session.save destroys the old id), and a record per sign-in
 * kept for a session's fortnight would outgrow every instance's memory.
 */
const RECORDED_MODELS = new Set([
  'Token',
  'AccessToken',
  'ClientCredentials',
  'RefreshToken',
  'AuthorizationCode',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'Grant',
]);

/**
 * Appends `consumed` to the stored JSON object instead of decoding it: cjson would turn empty
 * arrays into objects. A second consume appends again; JSON.parse keeps the last duplicate key.
 * KEYS[1] entry; ARGV[1] epoch seconds. Returns 1 when the entry existed.
 */
const CONSUME = `
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
if value == '{}' then
  value = '{"consumed":' .. ARGV[1] .. '}'
else
  value = string.sub(value, 1, -2) .. ',"consumed":' .. ARGV[1] .. '}'
end
redis.call('SET', KEYS[1], value, 'KEEPTTL')
return 1
`;

/**
 * Adds a member to a grant's set and stretches the set's expiry to the longest-lived member; a
 * member without expiry makes the set persistent. KEYS[1] set; ARGV[1] member; ARGV[2] ms or ''.
 */
const GRANT_ADD = `
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  redis.call('PERSIST', KEYS[1])
elseif existed == 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl >= 0 and ttl < tonumber(ARGV[2]) then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  end
end
return 1
`;

/** Reads and deletes a grant's set in one step, so a revocation sees a consistent membership. */
const GRANT_TAKE = `
local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return members
`;

type Scripts = {
  tesseraOidcConsume(key: string, consumedAt: number): Promise<number>;
  tesseraOidcGrantAdd(key: string, member: string, ttlMs: string): Promise<number>;
  tesseraOidcGrantTake(key: string): Promise<string[]>;
};

export const createRedisAdapterFactory = ({
  redis,
  keyPrefix,
  hashId,
  sealedBox,
  revocations,
  maxTtlSeconds = 14 * 86_400,
  now = Date.now,
}: RedisAdapterDeps): OidcAdapterFactory => {
  const protection = createPayloadProtection(sealedBox);
  // defineCommand runs scripts by EVALSHA and falls back to EVAL, on every node of a Cluster.
  redis.defineCommand('tesseraOidcConsume', { numberOfKeys: 1, lua: CONSUME });
  redis.defineCommand('tesseraOidcGrantAdd', {
    numberOfKeys: 1,
    lua: GRANT_ADD,
  });
  redis.defineCommand('tesseraOidcGrantTake', {
    numberOfKeys: 1,
    lua: GRANT_TAKE,
  });
  const scripts = redis as unknown as Scripts;

  const grantKey = (grantId: string) => `${keyPrefix}by-grant:${hashId(grantId)}`;

  const readEntry = async (key: string, id?: string): Promise<AdapterPayload | undefined> => {
    const value = await redis.get(key);
    return value === null ? undefined : protection.reveal(JSON.parse(value) as Record<string, unknown>, id);
  };

  /** What Postgres says of an entry Redis returned: undefined when revoked, marked when consumed. */
  const checked = (hashedId: string, payload: AdapterPayload | undefined): AdapterPayload | undefined => {
    if (!payload || !revocations) return payload;
    if (revocations.has('opaque', hashedId)) return undefined;
    if (typeof payload.grantId === 'string' && revocations.has('grant', hashId(payload.grantId)))
      return undefined;
    const clientRevokedAt =
      typeof payload.clientId === 'string' ? revocations.revokedAt('client', payload.clientId) : undefined;
    if (
      clientRevokedAt !== undefined &&
      (typeof payload.iat !== 'number' || payload.iat * 1000 <= clientRevokedAt)
    )
      return undefined;
    const consumedAt =
      payload.consumed === undefined ? revocations.revokedAt('consumed', hashedId) : undefined;
    return consumedAt === undefined ? payload : { ...payload, consumed: Math.floor(consumedAt / 1000) };
  };

  /** The end of `key`'s entry: its expiry in Redis, or the longest TTL when Redis no longer has it. */
  const expiryOf = async (key: string): Promise<Date | null> => {
    const ttl = await redis.pttl(key);
    if (ttl === -1) return null;
    return new Date(now() + (ttl >= 0 ? ttl : maxTtlSeconds * 1000));
  };

  const recordFirst = async (kind: RevocationKind, key: string, redisKey: string) => {
    if (!revocations || revocations.has(kind, key)) return;
    const revocation: Revocation = {
      kind,
      key,
      revokedAt: new Date(now()),
      expiresAt: await expiryOf(redisKey),
    };
    await revocations.revoke([revocation]);
  };

  return (model: string): OidcAdapter => {
    const entryKey = (hashedId: string) => `${keyPrefix}${model}:${hashedId}`;
    const uidKey = (uid: string) => `${keyPrefix}${model}:by-uid:${hashId(uid)}`;
    const userCodeKey = (userCode: string) => `${keyPrefix}${model}:by-user-code:${hashId(userCode)}`;
    const setWithExpiry = (key: string, value: string, expiresIn: number | undefined) =>
      expiresIn === undefined ? redis.set(key, value) : redis.set(key, value, 'EX', Math.ceil(expiresIn));

    const recorded = RECORDED_MODELS.has(model);

    const findThroughIndex = async (indexKey: string) => {
      const hashedId = await redis.get(indexKey);
      return hashedId === null ? undefined : checked(hashedId, await readEntry(entryKey(hashedId)));
    };

    return {
      async upsert(id, payload, expiresIn) {
        const hashedId = hashId(id);
        if (expiresIn !== undefined && expiresIn <= 0) {
          // Already expired: Redis refuses EX 0, and an expired entry is never found anyway.
          await redis.del(entryKey(hashedId));
          return;
        }
        const writes: Promise<unknown>[] = [
          setWithExpiry(entryKey(hashedId), JSON.stringify(protection.protect(model, payload)), expiresIn),
        ];
        if (typeof payload.uid === 'string') {
          writes.push(setWithExpiry(uidKey(payload.uid), hashedId, expiresIn));
        }
        if (typeof payload.userCode === 'string') {
          writes.push(setWithExpiry(userCodeKey(payload.userCode), hashedId, expiresIn));
        }
        if (typeof payload.grantId === 'string') {
          const ttlMs = expiresIn === undefined ? '' : String(Math.ceil(expiresIn) * 1000);
          writes.push(scripts.tesseraOidcGrantAdd(grantKey(payload.grantId), `${model}:${hashedId}`, ttlMs));
        }
        await Promise.all(writes);
      },

      async find(id) {
        const hashedId = hashId(id);
        return checked(hashedId, await readEntry(entryKey(hashedId), id));
      },

      async findByUid(uid) {
        const payload = await findThroughIndex(uidKey(uid));
        // The index may be stale: the entry was since rewritten with another uid.
        return payload?.uid === uid ? payload : undefined;
      },

      async findByUserCode(userCode) {
        const payload = await findThroughIndex(userCodeKey(userCode));
        return payload?.userCode === userCode ? payload : undefined;
      },

      async consume(id) {
        const hashedId = hashId(id);
        if (recorded) await recordFirst('consumed', hashedId, entryKey(hashedId));
        await scripts.tesseraOidcConsume(entryKey(hashedId), Math.floor(now() / 1000));
      },

      async destroy(id) {
        const hashedId = hashId(id);
        if (recorded) await recordFirst('opaque', hashedId, entryKey(hashedId));
        await redis.del(entryKey(hashedId));
      },

      async revokeByGrantId(grantId) {
        await recordFirst('grant', hashId(grantId), grantKey(grantId));
        const members = await scripts.tesseraOidcGrantTake(grantKey(grantId));
        // One DEL per key: on a Cluster the members live in different slots.
        await Promise.all(members.map((member) => redis.del(`${keyPrefix}${member}`)));
      },
    };
  };
};
