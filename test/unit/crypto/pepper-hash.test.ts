import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPepperHash, deriveKey } from '../../../src/crypto/pepper-hash.ts';

const PEPPER = 'kT9vQz2Lr8Xw4Np6Hs1Jd3Fb5Gm7Yc0Ua2Ve4Wi6Oq8';
const OTHER_PEPPER = 'Zr4Tx8Kp2Lm6Qw0Ns3Vb7Hd1Jf5Gc9Ye2Ua4Wi6Oq8';
const SECRET = 'tsr_cs_3q2+7a9fGh1LmN0pQrStUvWxYz012345678';

describe('peppered hashing', () => {
  test('gives the same digest for the same pepper, purpose and value', () => {
    const one = createPepperHash(PEPPER, 'client-secret');
    const again = createPepperHash(PEPPER, 'client-secret');
    assert.equal(one.digest(SECRET), one.digest(SECRET));
    assert.equal(again.digest(SECRET), one.digest(SECRET));
  });

  test('produces a base64url SHA-256 digest that is not the value itself', () => {
    const digest = createPepperHash(PEPPER, 'client-secret').digest(SECRET);
    assert.match(digest, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(digest, SECRET);
    assert.ok(!digest.includes(SECRET));
  });

  test('gives different digests for different purposes', () => {
    assert.notEqual(
      createPepperHash(PEPPER, 'client-secret').digest(SECRET),
      createPepperHash(PEPPER, 'token-id').digest(SECRET),
    );
  });

  test('gives different digests for different peppers', () => {
    assert.notEqual(
      createPepperHash(PEPPER, 'client-secret').digest(SECRET),
      createPepperHash(OTHER_PEPPER, 'client-secret').digest(SECRET),
    );
  });

  test('gives different digests for different values', () => {
    const hash = createPepperHash(PEPPER, 'client-secret');
    assert.notEqual(hash.digest(SECRET), hash.digest(`${SECRET}x`));
  });

  test('matches a value against its own stored digest', () => {
    const hash = createPepperHash(PEPPER, 'client-secret');
    assert.equal(hash.matches(SECRET, hash.digest(SECRET)), true);
  });

  test('does not match another value, another purpose or another pepper', () => {
    const hash = createPepperHash(PEPPER, 'client-secret');
    const stored = hash.digest(SECRET);
    assert.equal(hash.matches(`${SECRET}x`, stored), false);
    assert.equal(createPepperHash(PEPPER, 'token-id').matches(SECRET, stored), false);
    assert.equal(createPepperHash(OTHER_PEPPER, 'client-secret').matches(SECRET, stored), false);
  });

  test('does not match a stored digest of the wrong length', () => {
    const hash = createPepperHash(PEPPER, 'client-secret');
    const stored = hash.digest(SECRET);
    assert.equal(hash.matches(SECRET, stored.slice(0, -1)), false);
    assert.equal(hash.matches(SECRET, `${stored}A`), false);
    assert.equal(hash.matches(SECRET, ''), false);
  });

  test('derives distinct keys of the requested length per purpose', () => {
    const key = deriveKey(PEPPER, 'client-secret');
    assert.equal(key.length, 32);
    assert.deepEqual(deriveKey(PEPPER, 'client-secret'), key);
    assert.notDeepEqual(deriveKey(PEPPER, 'sealed'), key);
    assert.equal(deriveKey(PEPPER, 'client-secret', 64).length, 64);
  });
});
