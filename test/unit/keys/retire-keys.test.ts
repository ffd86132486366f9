import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { generateKeys } from '../../../src/keys/generate-keys.ts';
import { keyFilePath, readKeyFile } from '../../../src/keys/key-file.ts';
import { retireKeys } from '../../../src/keys/retire-keys.ts';
import { rotateKeys } from '../../../src/keys/rotate-keys.ts';
import type { AppError } from '../../../src/errors.ts';
import { T0, tempKeysDir } from './keys-fixtures.ts';

const TTL = 3600;
const ROTATED_AT = T0 + 1000;
const TOOK_OVER_AT = ROTATED_AT + 600;

/** Keys generated at T0, rotated at ROTATED_AT with the new keys signing from TOOK_OVER_AT. */
const rotatedKeys = async (dir: string) => {
  const old = (await generateKeys(dir, { now: T0 })).map((key) => key.kid);
  const { added } = await rotateKeys(dir, { now: ROTATED_AT, activateInSeconds: 600 });
  return { old, added: added.map((key) => key.kid) };
};

const kids = (rows: { kid: string }[]) => rows.map((row) => row.kid);

describe('retiring keys', () => {
  test('keeps previous keys until the longest token TTL has passed since they stopped signing', async (t) => {
    const dir = await tempKeysDir(t);
    const { old, added } = await rotatedKeys(dir);
    const before = (await stat(keyFilePath(dir))).mtimeMs;

    const early = await retireKeys(dir, { now: TOOK_OVER_AT + TTL - 1, maxTokenTtlSeconds: TTL });
    assert.deepEqual(early.removed, []);
    assert.deepEqual(
      early.kept.map((row) => [row.kid, row.status, row.reason, row.retirableAt]),
      [
        [added[0], 'signing', 'signing', undefined],
        [old[0], 'previous', 'tokens_may_be_valid', TOOK_OVER_AT + TTL],
        [added[1], 'signing', 'signing', undefined],
        [old[1], 'previous', 'tokens_may_be_valid', TOOK_OVER_AT + TTL],
        [added[2], 'signing', 'signing', undefined],
        [old[2], 'previous', 'tokens_may_be_valid', TOOK_OVER_AT + TTL],
      ],
    );
    assert.equal((await stat(keyFilePath(dir))).mtimeMs, before, 'the file is not rewritten');

    const due = await retireKeys(dir, { now: TOOK_OVER_AT + TTL, maxTokenTtlSeconds: TTL });
    assert.deepEqual(kids(due.removed).sort(), [...old].sort());
    assert.deepEqual(due.removed[0]?.stoppedSigningAt, TOOK_OVER_AT);
    assert.deepEqual(kids(due.kept).sort(), [...added].sort());
    assert.deepEqual((await readKeyFile(dir))?.map((key) => key.kid).sort(), [...added].sort());
  });

  test('never removes a signer or a pending key, even when forced', async (t) => {
    const dir = await tempKeysDir(t);
    const { old, added } = await rotatedKeys(dir);
    const result = await retireKeys(dir, { now: ROTATED_AT, maxTokenTtlSeconds: TTL, force: true });
    assert.deepEqual(result.removed, []);
    assert.deepEqual(
      result.kept.map((row) => [row.kid, row.reason]),
      [
        [added[0], 'pending'],
        [old[0], 'signing'],
        [added[1], 'pending'],
        [old[1], 'signing'],
        [added[2], 'pending'],
        [old[2], 'signing'],
      ],
    );
  });

  test('retires one named key, refusing it too early unless forced', async (t) => {
    const dir = await tempKeysDir(t);
    const { old } = await rotatedKeys(dir);
    const kid = old[0] as string;

    await assert.rejects(
      retireKeys(dir, { now: TOOK_OVER_AT + 60, maxTokenTtlSeconds: TTL, kid }),
      (error: AppError) => {
        assert.equal(error.code, 'conflict');
        assert.equal(
          error.message,
          `key ${kid} stopped signing at ${new Date(TOOK_OVER_AT * 1000).toISOString()}; tokens it signed may be valid until ${new Date((TOOK_OVER_AT + TTL) * 1000).toISOString()}: retire it after then, or force it`,
        );
        return true;
      },
    );

    const forced = await retireKeys(dir, {
      now: TOOK_OVER_AT + 60,
      maxTokenTtlSeconds: TTL,
      kid,
      force: true,
    });
    assert.deepEqual(kids(forced.removed), [kid]);
    assert.deepEqual(
      forced.kept.filter((row) => row.reason === 'not_selected').map((row) => row.kid),
      old.slice(1),
    );
    assert.equal((await readKeyFile(dir))?.length, 5);
  });

  test('refuses to retire a named signer, pending or unknown key', async (t) => {
    const dir = await tempKeysDir(t);
    const { old, added } = await rotatedKeys(dir);
    const options = { now: ROTATED_AT, maxTokenTtlSeconds: TTL };
    await assert.rejects(retireKeys(dir, { ...options, kid: old[0] }), {
      code: 'conflict',
      message: new RegExp(`^key ${old[0]} is the current ES256 signer`),
    });
    await assert.rejects(retireKeys(dir, { ...options, kid: added[1] }), {
      code: 'conflict',
      message: new RegExp(`^key ${added[1]} is pending \\(it becomes the RS256 signer at `),
    });
    await assert.rejects(retireKeys(dir, { ...options, kid: 'nope' }), {
      code: 'not_found',
      message: /^no signing key with kid nope in .*jwks\.json$/,
    });
    assert.equal((await readKeyFile(dir))?.length, 6);
  });
});
