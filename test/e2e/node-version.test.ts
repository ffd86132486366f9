import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * `npm start` and `tessera` on a Node.js that cannot run TypeScript: one plain sentence and exit 1,
 * never ERR_UNKNOWN_FILE_EXTENSION and a stack trace. The launcher, bin/tessera.js, is plain
 * JavaScript so that an old Node can read it.
 */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const LAUNCHER = 'bin/tessera.js';

const run = (node: string, args: string[]) =>
  spawnSync(node, args, { cwd: repoRoot, encoding: 'utf8', timeout: 30_000, env: { ...process.env } });

/** Node, with process.versions.node reading `version`: the launcher's check sees that version. */
const runAs = (version: string, args: string[]) =>
  run(process.execPath, [
    '--import',
    `data:text/javascript,Object.defineProperty(process,"versions",{value:{...process.versions,node:${JSON.stringify(version)}}})`,
    LAUNCHER,
    ...args,
  ]);

const tooOld = (version: string) => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 22 || (major === 22 && minor < 18);
};

const assertRefused = (result: ReturnType<typeof run>, version: string) => {
  assert.equal(result.status, 1, result.stderr);
  assert.equal(result.stderr, `Tessera needs Node.js ≥ 22.18 (you have ${version}).\n`);
  assert.equal(result.stdout, '');
  assert.doesNotMatch(result.stderr, /ERR_UNKNOWN_FILE_EXTENSION|\n\s+at /);
};

// The Debian node of the test machines is 20: the real thing, not a simulation, when it is there.
const SYSTEM_NODE = '/usr/bin/node';
const systemVersion = existsSync(SYSTEM_NODE)
  ? run(SYSTEM_NODE, ['-p', 'process.versions.node']).stdout.trim()
  : '';

describe('the launcher checks the Node.js version first', () => {
  // Where /usr/bin/node is new enough (or absent), the same check runs with a simulated 20.20.2.
  const realOld = systemVersion !== '' && tooOld(systemVersion);
  test(`an old Node.js (${realOld ? `${SYSTEM_NODE}, ${systemVersion}` : 'simulated 20.20.2'}) gets one sentence and exit 1, for serve and for any command`, () => {
    for (const args of [['serve'], ['migrate'], ['tokens', 'list', '--user', 'alice']]) {
      if (realOld) assertRefused(run(SYSTEM_NODE, [LAUNCHER, ...args]), systemVersion);
      else assertRefused(runAs('20.20.2', args), '20.20.2');
    }
  });

  test('versions before 22.18 are refused, 22.18 and later go on to the CLI', () => {
    for (const version of ['20.20.2', '22.17.1', '18.0.0']) assertRefused(runAs(version, ['serve']), version);
    for (const version of ['22.18.0', '23.0.0', '24.21.0']) {
      const help = runAs(version, ['--help']);
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /^Usage: tessera /);
    }
  });

  test('npm start, npm run migrate, the tessera bin, the Dockerfile and docker-compose.yml all go through it', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    assert.equal(pkg.bin.tessera, `./${LAUNCHER}`);
    assert.equal(pkg.scripts.start, `node ${LAUNCHER} serve`);
    assert.equal(pkg.scripts.migrate, `node ${LAUNCHER} migrate`);
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^COPY bin \.\/bin$/m);
    assert.match(dockerfile, /^CMD \["node", "bin\/tessera\.js", "serve"\]$/m);
    const compose = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
    assert.doesNotMatch(compose, /src\/(cli\/)?main\.ts/);
    // Plain JavaScript: an old Node must be able to parse it.
    const launcher = readFileSync(join(repoRoot, LAUNCHER), 'utf8');
    assert.match(launcher, /^#!\/usr\/bin\/env node\n/);
  });
});
