import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  listKeys,
  nextChangeAt,
  publicJwks,
  signingKids,
  toProviderJwks,
} from '../../../src/keys/key-ring.ts';
import type { SigningKey } from '../../../src/keys/signing-key.ts';
import { T0, keyWith } from './keys-fixtures.ts';

// es1 signs from T0; es2 was added at T0+100 to take over at T0+200; es3 at T0+300 to take over at T0+400.
let es1: SigningKey;
let es2: SigningKey;
let es3: SigningKey;
let rs1: SigningKey;
let ed1: SigningKey;
before(async () => {
  [es1, es2, es3, rs1, ed1] = await Promise.all([
    keyWith('ES256', T0),
    keyWith('ES256', T0 + 100, T0 + 200),
    keyWith('ES256', T0 + 300, T0 + 400),
    keyWith('RS256', T0),
    keyWith('EdDSA', T0),
  ]);
});

const kidsAndOps = (jwks: { keys: { kid?: string; key_ops?: string[] }[] }) =>
  jwks.keys.map((key) => [key.kid, key.key_ops]);

describe('the key ring', () => {
  test('a rotated key is pending until its activation time, then signs while the old key turns previous', () => {
    const keys = [es1, rs1, ed1, es2];
    assert.deepEqual(listKeys(keys, T0 + 199), [
      { kid: es2.kid, alg: 'ES256', status: 'pending', createdAt: T0 + 100, activatesAt: T0 + 200 },
      { kid: es1.kid, alg: 'ES256', status: 'signing', createdAt: T0, activatesAt: T0 },
      { kid: rs1.kid, alg: 'RS256', status: 'signing', createdAt: T0, activatesAt: T0 },
      { kid: ed1.kid, alg: 'EdDSA', status: 'signing', createdAt: T0, activatesAt: T0 },
    ]);
    assert.deepEqual(listKeys(keys, T0 + 200).slice(0, 2), [
      { kid: es2.kid, alg: 'ES256', status: 'signing', createdAt: T0 + 100, activatesAt: T0 + 200 },
      {
        kid: es1.kid,
        alg: 'ES256',
        status: 'previous',
        createdAt: T0,
        activatesAt: T0,
        stoppedSigningAt: T0 + 200,
      },
    ]);
  });

  test('each previous key stopped signing when the next key of its algorithm took over', () => {
    const rows = listKeys([es3, es1, es2], T0 + 500);
    assert.deepEqual(
      rows.map((row) => [row.kid, row.status, row.stoppedSigningAt]),
      [
        [es3.kid, 'signing', undefined],
        [es2.kid, 'previous', T0 + 400],
        [es1.kid, 'previous', T0 + 200],
      ],
    );
  });

  test('an algorithm whose only key is not active yet has no signer', () => {
    const late = { ...ed1, activatesAt: T0 + 50 };
    assert.deepEqual(
      listKeys([es1, late], T0).map((row) => row.status),
      ['signing', 'pending'],
    );
    assert.deepEqual(signingKids([es1, late], T0), [es1.kid]);
  });

  test('gives oidc-provider each signer first, then pending keys, then previous keys, the latter verify-only', () => {
    const keys = [es1, es2, rs1, ed1];
    assert.deepEqual(kidsAndOps(toProviderJwks(keys, T0 + 150)), [
      [es1.kid, undefined],
      [rs1.kid, undefined],
      [ed1.kid, undefined],
      [es2.kid, ['verify']],
    ]);
    assert.deepEqual(kidsAndOps(toProviderJwks(keys, T0 + 200)), [
      [es2.kid, undefined],
      [rs1.kid, undefined],
      [ed1.kid, undefined],
      [es1.kid, ['verify']],
    ]);
    assert.deepEqual(kidsAndOps(toProviderJwks([es1, es2, es3], T0 + 250)), [
      [es2.kid, undefined],
      [es3.kid, ['verify']],
      [es1.kid, ['verify']],
    ]);
  });

  test('hands oidc-provider private keys without the Tessera members', () => {
    const [first] = toProviderJwks([es1], T0).keys;
    assert.deepEqual(first, es1.jwk);
    assert.equal(typeof first?.d, 'string');
    assert.ok(!Object.keys(first ?? {}).some((member) => member.startsWith('tessera_')));
  });

  test('publishes every key, public members only', () => {
    const jwks = publicJwks([es1, es2, rs1, ed1]);
    assert.deepEqual(
      jwks.keys.map((key) => key.kid),
      [es2.kid, es1.kid, rs1.kid, ed1.kid],
    );
    assert.deepEqual(jwks.keys[0], {
      kty: 'EC',
      kid: es2.kid,
      alg: 'ES256',
      use: 'sig',
      crv: 'P-256',
      x: es2.jwk.x,
      y: es2.jwk.y,
    });
    assert.deepEqual(Object.keys(jwks.keys[2] ?? {}), ['kty', 'kid', 'alg', 'use', 'n', 'e']);
    assert.deepEqual(Object.keys(jwks.keys[3] ?? {}), ['kty', 'kid', 'alg', 'use', 'crv', 'x']);
  });

  test('the next change is the earliest activation still to come', () => {
    const keys = [es1, es2, es3, rs1];
    assert.equal(nextChangeAt(keys, T0), T0 + 200);
    assert.equal(nextChangeAt(keys, T0 + 200), T0 + 400);
    assert.equal(nextChangeAt(keys, T0 + 400), undefined);
  });
});
