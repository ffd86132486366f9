import assert from 'node:assert/strict';
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import { ensureKeys, generateKeys } from '../../../src/keys/generate-keys.ts';
import { keyFilePath, readKeyFile } from '../../../src/keys/key-file.ts';
import { type AppError } from '../../../src/errors.ts';
import { T0, tempKeysDir } from './keys-fixtures.ts';

describe('generating keys', () => {
  test('writes a 0600 private JWKS in a new 0700 directory with one key per algorithm', async (t) => {
    const dir = await tempKeysDir(t);
    const keys = await generateKeys(dir, { now: T0 });

    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(keyFilePath(dir))).mode & 0o777, 0o600);
    const stored = JSON.parse(await readFile(keyFilePath(dir), 'utf8')) as {
      keys: Record<string, unknown>[];
    };
    assert.deepEqual(
      stored.keys.map((key) => [
        key.alg,
        key.kty,
        key.crv,
        key.use,
        key.tessera_created_at,
        key.tessera_activates_at,
      ]),
      [
        ['ES256', 'EC', 'P-256', 'sig', T0, T0],
        ['RS256', 'RSA', undefined, 'sig', T0, T0],
        ['EdDSA', 'OKP', 'Ed25519', 'sig', T0, T0],
      ],
    );
    for (const key of stored.keys) {
      assert.equal(typeof key.d, 'string', 'private keys are stored');
      assert.equal(key.kid, await calculateJwkThumbprint(key as never), 'kid is the RFC 7638 thumbprint');
    }
    assert.deepEqual(await readKeyFile(dir), keys);
  });

  test('gives RSA keys a 2048-bit modulus', async (t) => {
    const dir = await tempKeysDir(t);
    const keys = await generateKeys(dir, { now: T0 });
    const rsa = keys.find((key) => key.alg === 'RS256');
    assert.equal(Buffer.from(rsa?.jwk.n as string, 'base64url').length * 8, 2048);
  });

  test('refuses to replace an existing key file unless forced', async (t) => {
    const dir = await tempKeysDir(t);
    const first = await generateKeys(dir, { now: T0 });
    await assert.rejects(generateKeys(dir, { now: T0 + 1 }), (error: AppError) => {
      assert.equal(error.code, 'conflict');
      assert.match(error.message, /jwks\.json already holds signing keys/);
      return true;
    });
    assert.deepEqual(await readKeyFile(dir), first);

    const replaced = await generateKeys(dir, { now: T0 + 1, force: true });
    assert.deepEqual(await readKeyFile(dir), replaced);
    assert.notDeepEqual(
      replaced.map((key) => key.kid),
      first.map((key) => key.kid),
    );
  });
});

describe('ensuring keys at start', () => {
  test('generates keys when there is no key file, then loads the same keys', async (t) => {
    const dir = await tempKeysDir(t);
    const generated = await ensureKeys(dir, { now: T0 });
    assert.equal(generated.action, 'generated');
    assert.equal(generated.path, keyFilePath(dir));
    assert.equal(generated.keys.length, 3);

    const loaded = await ensureKeys(dir, { now: T0 + 60 });
    assert.deepEqual(loaded, { ...generated, action: 'loaded' });
  });

  test('lets instances starting together share one generated key set', async (t) => {
    const dir = await tempKeysDir(t);
    const results = await Promise.all([ensureKeys(dir, { now: T0 }), ensureKeys(dir, { now: T0 })]);
    assert.deepEqual(results.map((result) => result.action).sort(), ['generated', 'loaded']);
    assert.deepEqual(results[0]?.keys, results[1]?.keys);
  });

  test('does not overwrite a key file it cannot load', async (t) => {
    const dir = await tempKeysDir(t);
    await mkdir(dir, { mode: 0o700 });
    await writeFile(keyFilePath(dir), '{"keys": [', { mode: 0o600 });
    await assert.rejects(ensureKeys(dir, { now: T0 }), { code: 'keys_unavailable' });
    assert.equal(await readFile(keyFilePath(dir), 'utf8'), '{"keys": [');
  });
});
