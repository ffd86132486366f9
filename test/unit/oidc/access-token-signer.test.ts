import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { generateSigningKey } from '../../../src/keys/generate-key.ts';
import { publicJwks, toProviderJwks } from '../../../src/keys/key-ring.ts';
import type { SigningKey } from '../../../src/keys/signing-key.ts';
import { createAccessTokenSigner } from '../../../src/oidc/access-token-signer.ts';

const T0 = 1_750_000_000;
const CLAIMS = { iss: 'https://auth.test', sub: 'usr_1', aud: 'https://api.test', exp: T0 + 60 };

describe('the access token signer', () => {
  let keys: SigningKey[];

  before(async () => {
    keys = await Promise.all([
      generateSigningKey('ES256', { now: T0 - 100 }),
      // Published, not yet signing: a staged rotation.
      generateSigningKey('ES256', { now: T0, activatesAt: T0 + 600 }),
      generateSigningKey('RS256', { now: T0 }),
      generateSigningKey('EdDSA', { now: T0 }),
    ]);
  });

  const verifyWith = (token: string) =>
    jwtVerify(token, createLocalJWKSet(publicJwks(keys)), {
      typ: 'at+jwt',
      currentDate: new Date(T0 * 1000),
    });

  test('signs with the current key of the requested algorithm, typ at+jwt and its kid', async () => {
    const signer = createAccessTokenSigner(toProviderJwks(keys, T0));
    for (const [alg, key] of [
      ['ES256', keys[0]],
      ['RS256', keys[2]],
      ['EdDSA', keys[3]],
    ] as const) {
      const token = await signer.sign(alg, CLAIMS);
      assert.deepEqual(decodeProtectedHeader(token), { alg, typ: 'at+jwt', kid: key?.kid });
      assert.deepEqual((await verifyWith(token)).payload, CLAIMS);
    }
  });

  test('never signs with a pending key, and signs with it once it is active', async () => {
    const staged = createAccessTokenSigner(toProviderJwks(keys, T0));
    assert.equal(decodeProtectedHeader(await staged.sign('ES256', CLAIMS)).kid, keys[0]?.kid);
    const activated = createAccessTokenSigner(toProviderJwks(keys, T0 + 600));
    assert.equal(decodeProtectedHeader(await activated.sign('ES256', CLAIMS)).kid, keys[1]?.kid);
  });

  test('fails, rather than signing with another algorithm, when the algorithm has no signing key', () => {
    const onlyPending = createAccessTokenSigner(toProviderJwks([keys[1] as SigningKey], T0));
    assert.throws(() => onlyPending.sign('ES256', CLAIMS), /no signing key for ES256/);
    assert.throws(() => onlyPending.sign('RS256', CLAIMS), /no signing key for RS256/);
  });
});
