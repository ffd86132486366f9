import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLocalKeyEncryptionKey } from '../../../src/crypto/key-encryption-key.ts';

const SECRET = 'Lk3Vd8Qs1Zx6Pw0Tb5Nc9Hj2Fg7Ym4Ur8Ea1Io3Sd6';
const PRIVATE_JWK = JSON.stringify({
  kty: 'OKP',
  crv: 'Ed25519',
  d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
});

describe('the local key-encryption key', () => {
  test('seals a private key so that the sealed form reveals nothing of it, and opens it again', async () => {
    const kek = createLocalKeyEncryptionKey(SECRET);
    const sealed = await kek.seal(PRIVATE_JWK, 'kid-1');
    assert.equal(sealed.includes('nWGxne'), false);
    assert.equal(Buffer.from(sealed, 'base64url').toString('latin1').includes('nWGxne'), false);
    assert.equal(await kek.open(sealed, 'kid-1'), PRIVATE_JWK);
    assert.notEqual(await kek.seal(PRIVATE_JWK, 'kid-1'), sealed, 'each seal has its own nonce');
  });

  test('opens nothing sealed for another kid, by another secret, or altered', async () => {
    const kek = createLocalKeyEncryptionKey(SECRET);
    const sealed = await kek.seal(PRIVATE_JWK, 'kid-1');
    assert.equal(await kek.open(sealed, 'kid-2'), undefined);
    const other = createLocalKeyEncryptionKey(`${SECRET}x`);
    assert.equal(await other.open(sealed, 'kid-1'), undefined);
    assert.notEqual(other.id, kek.id);
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    assert.equal(await kek.open(raw.toString('base64url'), 'kid-1'), undefined);
  });

  test('names itself by a fingerprint that does not contain the secret', () => {
    const kek = createLocalKeyEncryptionKey(SECRET);
    assert.match(kek.id, /^local:[\w-]{12}$/);
    assert.equal(kek.id.includes(SECRET.slice(0, 8)), false);
    assert.equal(createLocalKeyEncryptionKey(SECRET).id, kek.id);
  });
});
