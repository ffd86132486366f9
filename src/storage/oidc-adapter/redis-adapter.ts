import type { Cluster, Redis } from 'ioredis';
import type { SealedBox } from '../../crypto/sealed-box.ts';
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
 */
export type RedisAdapterDeps = {
  redis: Redis | Cluster;
  /** Namespace of every key, e.g. 'tessera:'. */
  keyPrefix: string;
  hashId: (value: string) => string;
  sealedBox: SealedBox;
  /** Milliseconds since the epoch, for `consumed`; expiry itself is Redis' own clock. */
  now?: () => number;
};

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

  return (model: string): OidcAdapter => {
    const entryKey = (hashedId: string) => `${keyPrefix}${model}:${hashedId}`;
    const uidKey = (uid: string) => `${keyPrefix}${model}:by-uid:${hashId(uid)}`;
    const userCodeKey = (userCode: string) => `${keyPrefix}${model}:by-user-code:${hashId(userCode)}`;
    const setWithExpiry = (key: string, value: string, expiresIn: number | undefined) =>
      expiresIn === undefined ? redis.set(key, value) : redis.set(key, value, 'EX', Math.ceil(expiresIn));

    const findThroughIndex = async (indexKey: string) => {
      const hashedId = await redis.get(indexKey);
      return hashedId === null ? undefined : readEntry(entryKey(hashedId));
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

      find: (id) => readEntry(entryKey(hashId(id)), id),

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
        await scripts.tesseraOidcConsume(entryKey(hashId(id)), Math.floor(now() / 1000));
      },

      async destroy(id) {
        await redis.del(entryKey(hashId(id)));
      },

      async revokeByGrantId(grantId) {
        const members = await scripts.tesseraOidcGrantTake(grantKey(grantId));
        // One DEL per key: on a Cluster the members live in different slots.
        await Promise.all(members.map((member) => redis.del(`${keyPrefix}${member}`)));
      },
    };
  };
};
