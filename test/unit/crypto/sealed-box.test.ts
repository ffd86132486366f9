import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSealedBox } from '../../../src/crypto/sealed-box.ts';

const PEPPER = 'kT9vQz2Lr8Xw4Np6Hs1Jd3Fb5Gm7Yc0Ua2Ve4Wi6Oq8';
const OTHER_PEPPER = 'Zr4Tx8Kp2Lm6Qw0Ns3Vb7Hd1Jf5Gc9Ye2Ua4Wi6Oq8';
const PLAINTEXT = 'session:8f3a1c2e — ünïcødé ✓';

/** `sealed` with one bit of byte `index` flipped (re-encoding keeps every other byte as it was). */
const flipBit = (sealed: string, index: number): string => {
  const raw = Buffer.from(sealed, 'base64url');
  raw[index] = (raw[index] as number) ^ 0x01;
  return raw.toString('base64url');
};

describe('the sealed box', () => {
  test('opens what it sealed', () => {
    const box = createSealedBox(PEPPER, 'interaction');
    assert.equal(box.open(box.seal(PLAINTEXT)), PLAINTEXT);
    assert.equal(box.open(box.seal('')), '');
  });

  test('opens a box sealed by another instance with the same pepper and purpose', () => {
    const sealed = createSealedBox(PEPPER, 'interaction').seal(PLAINTEXT);
    assert.equal(createSealedBox(PEPPER, 'interaction').open(sealed), PLAINTEXT);
  });

  test('seals the same plaintext differently each time and never in clear', () => {
    const box = createSealedBox(PEPPER, 'interaction');
    const first = box.seal(PLAINTEXT);
    const second = box.seal(PLAINTEXT);
    assert.notEqual(first, second);
    assert.match(first, /^[A-Za-z0-9_-]+$/);
    assert.ok(!Buffer.from(first, 'base64url').toString('utf8').includes('session:8f3a1c2e'));
  });

  test('returns undefined for a tampered box, whichever part was changed', () => {
    const box = createSealedBox(PEPPER, 'interaction');
    const sealed = box.seal(PLAINTEXT);
    const length = Buffer.from(sealed, 'base64url').length;
    // The nonce, the authentication tag and the ciphertext.
    for (const index of [0, 11, 12, 27, 28, length - 1]) {
      assert.equal(box.open(flipBit(sealed, index)), undefined, `byte ${index} flipped`);
    }
  });

  test('returns undefined for a truncated or extended box', () => {
    const box = createSealedBox(PEPPER, 'interaction');
    const raw = Buffer.from(box.seal(PLAINTEXT), 'base64url');
    assert.equal(box.open(raw.subarray(0, raw.length - 1).toString('base64url')), undefined);
    assert.equal(box.open(Buffer.concat([raw, Buffer.from([0])]).toString('base64url')), undefined);
    assert.equal(box.open(raw.subarray(0, 27).toString('base64url')), undefined);
    assert.equal(box.open(''), undefined);
  });

  test('returns undefined for a box sealed with another pepper', () => {
    const sealed = createSealedBox(OTHER_PEPPER, 'interaction').seal(PLAINTEXT);
    assert.equal(createSealedBox(PEPPER, 'interaction').open(sealed), undefined);
  });

  test('returns undefined for a box sealed for another purpose', () => {
    const sealed = createSealedBox(PEPPER, 'user-code').seal(PLAINTEXT);
    assert.equal(createSealedBox(PEPPER, 'interaction').open(sealed), undefined);
  });
});
