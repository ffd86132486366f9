import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, test } from 'node:test';
import { derToP1363, p1363ToDer } from '../../../src/crypto/ecdsa-signature.ts';

// P-521 signatures need DER's long length form; P-256 and P-384 the short one.
const CURVES = [
  { curve: 'P-256', size: 32, digest: 'sha256', count: 3000 },
  { curve: 'P-384', size: 48, digest: 'sha384', count: 300 },
  { curve: 'P-521', size: 66, digest: 'sha512', count: 300 },
];

describe('ECDSA signatures between DER and r ‖ s', () => {
  for (const { curve, size, digest, count } of CURVES) {
    test(`${curve}: both directions agree with node:crypto's own conversion on ${count} signatures`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      let shortIntegers = 0;
      for (let index = 0; index < count; index++) {
        const data = Buffer.from(`message ${index}`);
        const der = sign(digest, data, privateKey);
        const expected = sign(digest, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        const p1363 = derToP1363(der, size);
        assert.equal(p1363.length, size * 2);
        assert.ok(verify(digest, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363));
        // Signatures are randomised: the one node converted is another signature, checked the same way.
        const back = p1363ToDer(expected, size);
        assert.ok(back && verify(digest, data, publicKey, back));
        assert.deepEqual(p1363ToDer(p1363, size), der, 'DER → r ‖ s → DER is the identity');
        if (p1363[0] === 0 || p1363[size] === 0) shortIntegers++;
      }
      if (curve === 'P-256') assert.ok(shortIntegers > 0, 'some r or s shorter than 32 bytes were converted');
    });
  }

  test('a signature of the wrong length is no signature, and r = s = 0 verifies nothing', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const data = Buffer.from('message');
    const p1363 = derToP1363(sign('sha256', data, privateKey), 32);
    assert.equal(p1363ToDer(p1363.subarray(0, 63), 32), undefined);
    assert.equal(p1363ToDer(Buffer.concat([p1363, Buffer.from([0])]), 32), undefined);
    assert.equal(p1363ToDer(Buffer.alloc(0), 32), undefined);
    const zero = p1363ToDer(Buffer.alloc(64), 32);
    assert.ok(zero);
    assert.equal(verify('sha256', data, publicKey, zero), false);
  });
});
