import assert from 'node:assert/strict';
import { open, utimes, writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { generateKeys } from '../../../src/keys/generate-keys.ts';
import { readKeyFile } from '../../../src/keys/key-file.ts';
import { keyFileLockPath, withKeyFileLock } from '../../../src/keys/key-file-lock.ts';
import { listKeys, nextChangeAt, signingKids, toProviderJwks } from '../../../src/keys/key-ring.ts';
import { rotateKeys } from '../../../src/keys/rotate-keys.ts';
import type { AppError } from '../../../src/errors.ts';
import { T0, tempKeysDir } from './keys-fixtures.ts';

describe('rotating keys', () => {
  test('adds a pending key per algorithm that becomes the signer at now + activateInSeconds', async (t) => {
    const dir = await tempKeysDir(t);
    const original = await generateKeys(dir, { now: T0 });
    const { added } = await rotateKeys(dir, { now: T0 + 1000, activateInSeconds: 600 });

    assert.deepEqual(
      added.map((key) => [key.alg, key.activatesAt]),
      [
        ['ES256', T0 + 1600],
        ['RS256', T0 + 1600],
        ['EdDSA', T0 + 1600],
      ],
    );
    const keys = (await readKeyFile(dir)) ?? [];
    assert.equal(keys.length, 6);
    const newKids = added.map((key) => key.kid);
    const oldKids = original.map((key) => key.kid);

    const statusOf = (now: number) =>
      Object.fromEntries(listKeys(keys, now).map((row) => [row.kid, row.status]));
    assert.deepEqual(signingKids(keys, T0 + 1599), oldKids);
    assert.ok(newKids.every((kid) => statusOf(T0 + 1599)[kid] === 'pending'));
    assert.equal(nextChangeAt(keys, T0 + 1000), T0 + 1600);

    assert.deepEqual(signingKids(keys, T0 + 1600), newKids);
    assert.ok(oldKids.every((kid) => statusOf(T0 + 1600)[kid] === 'previous'));
    assert.deepEqual(
      toProviderJwks(keys, T0 + 1600)
        .keys.slice(0, 3)
        .map((key) => key.kid),
      newKids,
    );
  });

  test('rotates only the algorithms asked for', async (t) => {
    const dir = await tempKeysDir(t);
    await generateKeys(dir, { now: T0 });
    const { added } = await rotateKeys(dir, { now: T0, activateInSeconds: 60, algs: ['EdDSA'] });
    assert.deepEqual(
      added.map((key) => key.alg),
      ['EdDSA'],
    );
    assert.equal((await readKeyFile(dir))?.length, 4);
  });

  test('refuses an unsupported alg, a negative delay, or a missing key file', async (t) => {
    const dir = await tempKeysDir(t);
    await assert.rejects(rotateKeys(dir, { now: T0, activateInSeconds: 60 }), (error: AppError) => {
      assert.equal(error.code, 'keys_unavailable');
      assert.match(error.message, /no signing keys in .*jwks\.json; run tessera keys generate first/);
      return true;
    });
    await generateKeys(dir, { now: T0 });
    await assert.rejects(rotateKeys(dir, { now: T0, activateInSeconds: 60, algs: ['HS256'] }), {
      code: 'invalid_input',
      message: 'unsupported alg(s) HS256; use ES256, RS256, EdDSA',
    });
    await assert.rejects(rotateKeys(dir, { now: T0, activateInSeconds: -1 }), { code: 'invalid_input' });
  });

  test('two rotations at once both keep their keys', async (t) => {
    const dir = await tempKeysDir(t);
    await generateKeys(dir, { now: T0 });
    const results = await Promise.all([
      rotateKeys(dir, { now: T0, activateInSeconds: 60, algs: ['ES256'] }),
      rotateKeys(dir, { now: T0, activateInSeconds: 60, algs: ['EdDSA'] }),
      rotateKeys(dir, { now: T0, activateInSeconds: 60, algs: ['ES256'] }),
    ]);
    const stored = new Set((await readKeyFile(dir))?.map((key) => key.kid));
    assert.equal(stored.size, 6);
    for (const { added } of results) assert.ok(added.every((key) => stored.has(key.kid)));
  });
});

describe('the key file lock', () => {
  test('makes a second writer wait, and fails with a clear message when the holder does not let go', async (t) => {
    const dir = await tempKeysDir(t);
    await withKeyFileLock(dir, async () => {
      await assert.rejects(
        withKeyFileLock(dir, async () => 'never', { waitMs: 0 }),
        (error: AppError) => {
          assert.equal(error.code, 'conflict');
          assert.match(
            error.message,
            /another process is changing the signing keys \(.*jwks\.json\.lock exists\)/,
          );
          return true;
        },
      );
    });
    assert.equal(await withKeyFileLock(dir, async () => 'free again'), 'free again');
  });

  test('takes over a lock left by a crashed process', async (t) => {
    const dir = await tempKeysDir(t);
    await generateKeys(dir, { now: T0 });
    await writeFile(keyFileLockPath(dir), '4242 crashed\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(keyFileLockPath(dir), old, old);
    const { added } = await rotateKeys(dir, { now: T0, activateInSeconds: 60 });
    assert.equal(added.length, 3);
    await assert.rejects(open(keyFileLockPath(dir)), { code: 'ENOENT' });
  });
});
