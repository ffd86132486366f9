import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { loadConfig } from '../../../src/config/load-config.ts';
import { resolveSecrets } from '../../../src/config/resolve-secrets.ts';
import { AppError } from '../../../src/errors.ts';

const PEPPER = 'kT9vQz2Lr8Xw4Np6Hs1Jd3Fb5Gm7Yc0Ua2Ve4Wi6Oq8';
const COOKIE_KEY = 'Zr4Tx8Kp2Lm6Qw0Ns3Vb7Hd1Jf5Gc9Ye2Ua4Wi6Oq8';

/** A data directory (not created yet) under a temporary folder removed after the test. */
const tempDataDir = (t: TestContext): string => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-secrets-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return join(root, 'data');
};

const embedded = (dataDir: string, env: Record<string, string> = {}) =>
  loadConfig({ TESSERA_DATA_DIR: dataDir, ...env });

describe('resolving the pepper and cookie keys', () => {
  test('generates secrets.json with mode 0600 in the embedded profile', (t) => {
    const dataDir = tempDataDir(t);
    const secrets = resolveSecrets(embedded(dataDir));

    const file = join(dataDir, 'secrets.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), secrets);
    assert.ok(secrets.pepper.length >= 32, 'the pepper is long enough for the production checks too');
    assert.equal(secrets.cookieKeys.length, 1);
    assert.ok((secrets.cookieKeys[0] ?? '').length >= 32);
    assert.notEqual(secrets.cookieKeys[0], secrets.pepper);
    assert.equal(existsSync(`${file}.tmp`), false, 'no temporary file is left behind');
  });

  test('returns the stored secrets on the next call instead of generating new ones', (t) => {
    const dataDir = tempDataDir(t);
    const first = resolveSecrets(embedded(dataDir));
    const before = readFileSync(join(dataDir, 'secrets.json'), 'utf8');
    const second = resolveSecrets(embedded(dataDir));
    assert.deepEqual(second, first);
    assert.equal(readFileSync(join(dataDir, 'secrets.json'), 'utf8'), before);
  });

  test('gives every data directory its own secrets', (t) => {
    const one = resolveSecrets(embedded(tempDataDir(t)));
    const other = resolveSecrets(embedded(tempDataDir(t)));
    assert.notEqual(one.pepper, other.pepper);
    assert.notDeepEqual(one.cookieKeys, other.cookieKeys);
  });

  test('lets values from the environment win over the stored ones', (t) => {
    const dataDir = tempDataDir(t);
    const stored = resolveSecrets(embedded(dataDir));

    const pepperOnly = resolveSecrets(embedded(dataDir, { TESSERA_SECRET_PEPPER: PEPPER }));
    assert.deepEqual(pepperOnly, { pepper: PEPPER, cookieKeys: stored.cookieKeys });

    const keysOnly = resolveSecrets(embedded(dataDir, { TESSERA_COOKIE_KEYS: COOKIE_KEY }));
    assert.deepEqual(keysOnly, { pepper: stored.pepper, cookieKeys: [COOKIE_KEY] });
  });

  test('writes no file when the environment gives both secrets', (t) => {
    const dataDir = tempDataDir(t);
    const secrets = resolveSecrets(
      embedded(dataDir, { TESSERA_SECRET_PEPPER: PEPPER, TESSERA_COOKIE_KEYS: COOKIE_KEY }),
    );
    assert.deepEqual(secrets, { pepper: PEPPER, cookieKeys: [COOKIE_KEY] });
    assert.equal(existsSync(join(dataDir, 'secrets.json')), false);
  });

  test('uses the given secrets in the production profile', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://db.internal/tessera',
      TESSERA_SECRET_PEPPER: PEPPER,
      TESSERA_COOKIE_KEYS: COOKIE_KEY,
      TESSERA_KEY_ENCRYPTION_KEY: 'Ux5Rk2Wp8Nd1Ls7Gq4Ht0Jz3Vc9Ba6Ye2Mi8Fo5Tq1',
    });
    assert.deepEqual(resolveSecrets(config), { pepper: PEPPER, cookieKeys: [COOKIE_KEY] });
  });

  test('refuses to generate secrets in the production profile', (t) => {
    const dataDir = tempDataDir(t);
    const config = {
      ...embedded(dataDir),
      profile: 'production' as const,
      databaseUrl: 'postgres://db.internal/tessera',
    };
    assert.throws(
      () => resolveSecrets(config),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'config_invalid' &&
        /TESSERA_SECRET_PEPPER and TESSERA_COOKIE_KEYS/.test(error.message),
    );
    assert.equal(existsSync(join(dataDir, 'secrets.json')), false);
  });

  for (const [what, content] of [
    ['is not JSON', '{"pepper": "abc", '],
    ['has the wrong shape', '{"pepper": 42, "cookieKeys": "nope"}'],
    ['holds null', 'null'],
  ] as const) {
    test(`refuses a secrets.json that ${what} and leaves it untouched`, (t) => {
      const dataDir = tempDataDir(t);
      mkdirSync(dataDir, { recursive: true });
      const file = join(dataDir, 'secrets.json');
      writeFileSync(file, content, { mode: 0o600 });

      assert.throws(
        () => resolveSecrets(embedded(dataDir)),
        (error: unknown) =>
          error instanceof AppError &&
          error.code === 'config_invalid' &&
          error.message.includes(file) &&
          /corrupt/.test(error.message),
      );
      assert.equal(readFileSync(file, 'utf8'), content, 'the file is not overwritten');
    });
  }
});
