import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pooledRandomToken } from '../../../src/crypto/random.ts';

test('pooled random tokens carry 256 bits as 43 URL-safe characters and never repeat across refills', () => {
  // 1000 draws cross the pool's refill (256 ids per refill) three times.
  const ids = Array.from({ length: 1000 }, () => pooledRandomToken());
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(Buffer.from(ids[0] as string, 'base64url').length, 32);
});
