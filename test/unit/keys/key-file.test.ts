import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { before, describe, test, type TestContext } from 'node:test';
import { keyFilePath, readKeyFile, writeKeyFile } from '../../../src/keys/key-file.ts';
import type { SigningKey } from '../../../src/keys/signing-key.ts';
import { formatStoredJwks } from '../../../src/keys/stored-jwks.ts';
import type { AppError } from '../../../src/errors.ts';
import { T0, keyWith, tempKeysDir } from './keys-fixtures.ts';

let es256: SigningKey;
let rs256: SigningKey;
before(async () => {
  es256 = await keyWith('ES256', T0);
  rs256 = await keyWith('RS256', T0);
});

const writeRaw = async (t: TestContext, content: unknown, mode = 0o600): Promise<string> => {
  const dir = await tempKeysDir(t);
  await mkdir(dir, { mode: 0o700 });
  await writeFile(keyFilePath(dir), typeof content === 'string' ? content : JSON.stringify(content));
  await chmod(keyFilePath(dir), mode);
  return dir;
};

const storedKeys = (): Record<string, unknown>[] =>
  formatStoredJwks([es256, rs256]).keys as Record<string, unknown>[];

const refuses = async (dir: string, pattern: RegExp) =>
  assert.rejects(readKeyFile(dir), (error: AppError) => {
    assert.equal(error.code, 'keys_unavailable');
    assert.ok(error.message.includes(keyFilePath(dir)), `names the file: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });

describe('the key file', () => {
  test('reads back exactly the keys written', async (t) => {
    const dir = await tempKeysDir(t);
    await writeKeyFile(dir, [es256, rs256]);
    assert.deepEqual(await readKeyFile(dir), [es256, rs256]);
  });

  test('reads as undefined when there is no file yet', async (t) => {
    assert.equal(await readKeyFile(await tempKeysDir(t)), undefined);
  });

  test('replaces the file without leaving temporary files behind', async (t) => {
    const dir = await tempKeysDir(t);
    await writeKeyFile(dir, [es256]);
    await writeKeyFile(dir, [es256, rs256]);
    assert.deepEqual(await readdir(dir), ['jwks.json']);
    assert.deepEqual(await readKeyFile(dir), [es256, rs256]);
  });

  test('refuses a group-readable file, naming its mode and the fix', async (t) => {
    const dir = await writeRaw(t, formatStoredJwks([es256]), 0o640);
    await refuses(dir, /has mode 0640.*chmod 600 /);
  });

  test('refuses a world-readable file', async (t) => {
    const dir = await writeRaw(t, formatStoredJwks([es256]), 0o604);
    await refuses(dir, /has mode 0604/);
  });

  test('refuses a file that is not JSON without quoting its content', async (t) => {
    await refuses(await writeRaw(t, '{"keys": ['), /is not valid JSON$/);
    const dir = await writeRaw(t, '{"keys": [{"d": "PRIVATE-KEY-BYTES" x}]}');
    await refuses(dir, /is not valid JSON at position 36 \(line 1 column 37\)$/);
    await assert.rejects(readKeyFile(dir), (error: Error) => !error.message.includes('PRIVATE'));
    await refuses(await writeRaw(t, 'PRIVATE-KEY-BYTES'), /is not valid JSON$/);
  });

  test('refuses JSON that is not a JWKS, or an empty one', async (t) => {
    await refuses(await writeRaw(t, [1, 2]), /is not a JWKS: expected \{"keys":\[…\]\}/);
    await refuses(await writeRaw(t, { keys: [] }), /holds no keys/);
  });

  test('refuses a public-only key', async (t) => {
    const [first, second] = storedKeys();
    const { d: _d, ...publicOnly } = second as Record<string, unknown>;
    await refuses(
      await writeRaw(t, { keys: [first, publicOnly] }),
      new RegExp(`keys\\[1\\] \\(kid ${rs256.kid}\\) is a public key only`),
    );
  });

  test('refuses an unsupported or missing alg', async (t) => {
    const [first] = storedKeys();
    await refuses(
      await writeRaw(t, { keys: [{ ...first, alg: 'ES384' }] }),
      /unsupported alg "ES384"; Tessera signs with ES256, RS256, EdDSA/,
    );
    await refuses(await writeRaw(t, { keys: [{ ...first, alg: undefined }] }), /has no "alg"/);
  });

  test('refuses a key whose type does not fit its alg', async (t) => {
    const [first] = storedKeys();
    await refuses(
      await writeRaw(t, { keys: [{ ...first, alg: 'EdDSA' }] }),
      /is a EC\/P-256 key, but EdDSA needs OKP\/Ed25519/,
    );
  });

  test('refuses duplicate kids', async (t) => {
    const [first, second] = storedKeys();
    await refuses(
      await writeRaw(t, { keys: [first, second, first] }),
      new RegExp(`keys\\[0\\] and keys\\[2\\] have the same kid ${es256.kid}`),
    );
  });

  test('refuses key material that does not hold together', async (t) => {
    const [first] = storedKeys();
    const other = formatStoredJwks([await keyWith('ES256', T0)]).keys[0] as Record<string, unknown>;
    await refuses(
      await writeRaw(t, { keys: [{ ...first, x: other.x, y: other.y }] }),
      /has public members that do not match its private key/,
    );
    await refuses(
      await writeRaw(t, { keys: [{ ...first, d: 'AAAA' }] }),
      /do not match|not a usable private key/,
    );
    await refuses(
      await writeRaw(t, { keys: [{ ...first, crv: 'P-256', x: 'AAAA' }] }),
      /do not match|not a usable private key/,
    );
  });

  test('refuses Tessera times that are not whole epoch seconds', async (t) => {
    const [first] = storedKeys();
    await refuses(
      await writeRaw(t, { keys: [{ ...first, tessera_activates_at: '2025-01-01' }] }),
      /tessera_activates_at must be a whole number of seconds/,
    );
  });
});
