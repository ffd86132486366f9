import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import { listKeys } from '../../../src/keys/key-ring.ts';
import type { SigningKey } from '../../../src/keys/signing-key.ts';
import { formatStoredJwks, keysFromJwks } from '../../../src/keys/stored-jwks.ts';
import type { AppError } from '../../../src/errors.ts';
import { T0, keyWith } from './keys-fixtures.ts';

let es256: SigningKey;
let ed25519: SigningKey;
before(async () => {
  es256 = await keyWith('ES256', T0);
  ed25519 = await keyWith('EdDSA', T0, T0 + 60);
});

describe('keys from TESSERA_JWKS', () => {
  test('keeps the Tessera times of keys that have them', () => {
    assert.deepEqual(keysFromJwks(formatStoredJwks([es256, ed25519])), [es256, ed25519]);
  });

  test('counts a plain private JWK as active since the epoch, with its thumbprint as kid when it has none', async () => {
    const { kid: _kid, use: _use, ...plain } = es256.jwk;
    const [key] = keysFromJwks({ keys: [plain] });
    assert.deepEqual(key, { ...es256, createdAt: 0, activatesAt: 0 });
    assert.equal(key?.kid, await calculateJwkThumbprint(plain));
    assert.deepEqual(
      listKeys(keysFromJwks({ keys: [plain] }), T0).map((row) => row.status),
      ['signing'],
    );
  });

  test('refuses bad content with messages naming TESSERA_JWKS', () => {
    const { d: _d, ...publicOnly } = es256.jwk;
    const cases: [unknown, RegExp][] = [
      [{ keys: [publicOnly] }, /^TESSERA_JWKS: keys\[0\] \(kid \S+\) is a public key only/],
      [
        { keys: [{ ...es256.jwk, alg: 'HS256' }] },
        /^TESSERA_JWKS: keys\[0\] \(kid \S+\) has unsupported alg "HS256"/,
      ],
      [{ keys: [es256.jwk, es256.jwk] }, /^TESSERA_JWKS: keys\[0\] and keys\[1\] have the same kid/],
      [{ keys: [{ ...es256.jwk, use: 'enc' }] }, /has use "enc"; signing keys need "sig"/],
      [{ keys: ['nope'] }, /^TESSERA_JWKS: keys\[0\] is not a JSON object/],
      [{ keys: {} }, /^TESSERA_JWKS is not a JWKS/],
    ];
    for (const [jwks, message] of cases) {
      assert.throws(
        () => keysFromJwks(jwks),
        (error: AppError) => error.code === 'keys_unavailable' && message.test(error.message),
        String(message),
      );
    }
  });
});
