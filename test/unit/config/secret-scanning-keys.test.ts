import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../src/config/load-config.ts';
import { AppError } from '../../../src/errors.ts';

/** The keys that verify GitHub secret scanning alerts, from the environment or a file. */
const pem = (curve: string) =>
  generateKeyPairSync('ec', { namedCurve: curve })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
const p256 = pem('P-256');

const errorLine = (env: Record<string, string>, variable: string): string => {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof AppError);
    const line = error.message.split('\n').find((candidate) => candidate.trim().startsWith(variable));
    assert.ok(line, error.message);
    return line;
  }
  assert.fail('the configuration was accepted');
};

describe('secret scanning keys', () => {
  test('are read as a key id → PEM map, or as GitHub’s own public_keys document', () => {
    const map = loadConfig({ TESSERA_SECRET_SCANNING_KEYS: JSON.stringify({ k1: p256 }) });
    assert.deepEqual([...map.secretScanningKeys.keys()], ['k1']);
    const github = loadConfig({
      TESSERA_SECRET_SCANNING_KEYS: JSON.stringify({
        public_keys: [{ key_identifier: 'abc', key: p256, is_current: true }],
      }),
    });
    assert.deepEqual([...github.secretScanningKeys.keys()], ['abc']);
    assert.equal(loadConfig({}).secretScanningKeys.size, 0);
  });

  test('merge a file and the variable', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ fromFile: p256 }));
    const config = loadConfig({
      TESSERA_SECRET_SCANNING_KEYS_FILE: file,
      TESSERA_SECRET_SCANNING_KEYS: JSON.stringify({ fromEnv: p256 }),
    });
    assert.deepEqual([...config.secretScanningKeys.keys()].sort(), ['fromEnv', 'fromFile']);
  });

  test('refuse what cannot verify an alert, naming the variable and the key', () => {
    assert.match(
      errorLine({ TESSERA_SECRET_SCANNING_KEYS: '{' }, 'TESSERA_SECRET_SCANNING_KEYS'),
      /not valid JSON/,
    );
    assert.match(
      errorLine(
        { TESSERA_SECRET_SCANNING_KEYS: JSON.stringify({ k1: 'nope' }) },
        'TESSERA_SECRET_SCANNING_KEYS',
      ),
      /key k1 is not a PEM public key/,
    );
    assert.match(
      errorLine(
        { TESSERA_SECRET_SCANNING_KEYS: JSON.stringify({ k2: pem('P-384') }) },
        'TESSERA_SECRET_SCANNING_KEYS',
      ),
      /key k2 must be an EC P-256 public key/,
    );
    assert.match(
      errorLine(
        { TESSERA_SECRET_SCANNING_KEYS_FILE: '/nonexistent/keys.json' },
        'TESSERA_SECRET_SCANNING_KEYS_FILE',
      ),
      /cannot be read \(ENOENT\)/,
    );
    assert.match(
      errorLine({ TESSERA_LEAK_REPORTS_PER_MINUTE: '0' }, 'TESSERA_LEAK_REPORTS_PER_MINUTE'),
      /whole number, 1 or more/,
    );
  });
});
