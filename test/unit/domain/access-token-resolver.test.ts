import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import { createAccessTokenResolver } from '../../../src/domain/access-tokens/access-token-resolver.ts';
import { mintToken } from '../../../src/domain/access-tokens/mint-token.ts';
import type { TokenEntries, TokenEntry } from '../../../src/storage/token-entries/contract.ts';

/**
 * The day Redis holds a live entry for a token the record says is revoked (a failover that lost
 * the tombstone, a crash between the commit and the tombstone): the record wins, and Redis is
 * repaired before the answer leaves, so nobody who reads Redis after the answer finds the old story.
 */
const tokenHash = createPepperHash('a pepper of at least thirty-two characters', 'token');
const NOW = 1_800_000_000;

const setUp = (revokeInRedis: () => Promise<void>) => {
  const { token, tokenHash: hash } = mintToken('personal', tokenHash);
  const entry: TokenEntry = {
    id: 'tok_1',
    kind: 'personal',
    sub: 'usr_1',
    scopes: [],
    aud: [],
    iat: NOW,
    exp: null,
  };
  const slots = new Map<string, TokenEntry | 'revoked'>([[hash, entry]]);
  const entries: TokenEntries = {
    get: async (key) => slots.get(key),
    restore: async () => assert.fail('a revoked token is never restored'),
    async revoke(key) {
      await revokeInRedis();
      slots.set(key, 'revoked');
    },
  };
  const resolver = createAccessTokenResolver({
    repositories: {} as never, // the record's revocation list answers: no row is read
    permissions: {} as never,
    policy: {} as never,
    entries,
    revocations: { has: (kind, key) => kind === 'access_token' && key === 'tok_1' },
    lastUsed: { touch: () => assert.fail('a revoked token is not used') } as never,
    tokenHash,
    now: () => NOW,
  });
  return { token, hash, slots, resolver };
};

describe('a live Redis entry of a revoked token', () => {
  test('answers revoked, with the tombstone back in Redis before the answer', async () => {
    const { token, hash, slots, resolver } = setUp(() => new Promise((resolve) => setTimeout(resolve, 20)));
    assert.equal(await resolver.resolve(token, { ip: null }), undefined);
    assert.equal(slots.get(hash), 'revoked');
  });

  test('still answers revoked when Redis fails the repair', async () => {
    const { token, resolver } = setUp(async () => {
      throw new Error('connection lost');
    });
    assert.equal(await resolver.resolve(token, { ip: null }), undefined);
  });
});
