import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dpopFeature, dpopNonceSecret } from '../../../../src/oidc/configuration/dpop.ts';

describe('the DPoP feature', () => {
  test('every instance with the same cookie key derives the same 32-byte nonce secret, never the key itself', () => {
    const key = 'k'.repeat(43);
    const secret = dpopNonceSecret(key);
    assert.equal(secret.length, 32);
    assert.deepEqual(dpopNonceSecret(key), secret);
    assert.notDeepEqual(dpopNonceSecret(`${key}x`), secret);
    assert.ok(!secret.toString('latin1').includes('kkkk'));
  });

  test('the first cookie key is the one nonces follow; nonces are required as configured', () => {
    const feature = dpopFeature({ cookieKeys: ['first', 'second'], requireNonce: false });
    assert.equal(feature.enabled, true);
    assert.deepEqual(feature.nonceSecret, dpopNonceSecret('first'));
    assert.equal(feature.requireNonce(), false);
    assert.equal(dpopFeature({ cookieKeys: ['first'], requireNonce: true }).requireNonce(), true);
  });

  test('refuses to start without a cookie key to derive from', () => {
    assert.throws(() => dpopFeature({ cookieKeys: [], requireNonce: true }), /cookie key/);
  });
});
