import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, ROOT } from '../../helpers/tessera-process.ts';
import { userEnv } from '../../helpers/user-env.ts';

/**
 * The server as a user gets it: `npm pack` in the repository (prepack compiles it), the tarball
 * installed into an empty project, and `npx tessera` run from there. Node does not strip types under
 * node_modules, so this only works if the package ships JavaScript that finds everything it loads
 * at runtime (migrations, the pages' assets) inside the package.
 */

const work = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
const project = join(work, 'project');
const installed = join(project, 'node_modules', 'tessera');
// The embedded profile's database and keys: migrated by one test, served by the next.
const data = join(work, 'data');
const keys = join(work, 'keys');

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, env: userEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let tarball = '';

before(() => {
  // Packed once per run, into this file's temporary directory; every test below uses that install.
  npm(['pack', '--pack-destination', work], ROOT);
  const packed = readdirSync(work).filter((name) => /^tessera-.+\.tgz$/.test(name));
  assert.equal(packed.length, 1, `npm pack wrote one tarball: ${packed.join(', ')}`);
  tarball = join(work, packed[0] as string);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tessera-user', private: true }));
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
});

after(() => rmSync(work, { recursive: true, force: true }));

describe('the server installed from its npm tarball', () => {
  test('ships compiled JavaScript and the runtime dependencies only: no TypeScript sources, no dev tools', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string };
    assert.match(tarball, new RegExp(`tessera-${pkg.version.replaceAll('.', '\\.')}\\.tgz$`));
    assert.ok(
      existsSync(join(installed, 'dist/server/src/cli/main.js')),
      'the compiled CLI is in the package',
    );
    assert.ok(!existsSync(join(installed, 'src')), 'the TypeScript sources are not');
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    assert.deepEqual(
      listing.filter((file) => /\.ts$/.test(file) && !/\.d\.ts$/.test(file)),
      [],
      'no .ts file',
    );
    assert.deepEqual(
      listing.filter((file) => /(^|\/)test\//.test(file)),
      [],
      'no test file',
    );
    for (const devTool of ['typescript', 'eslint', 'prettier', 'openid-client'])
      assert.ok(!existsSync(join(project, 'node_modules', devTool)), `${devTool} was not installed`);
  });

  test('npx tessera --help prints the usage and exits 0', () => {
    const help = spawnSync('npx', ['tessera', '--help'], { cwd: project, env: userEnv(), encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: tessera /);
    assert.match(help.stdout, /\bserve\b/);
    assert.match(help.stdout, /\bmigrate\b/);
  });

  test('npx tessera migrate applies the compiled migrations, the same ones the repository holds', () => {
    const migrate = spawnSync('npx', ['tessera', 'migrate', '--json'], {
      cwd: project,
      env: userEnv({ TESSERA_DATA_DIR: data, TESSERA_KEYS_DIR: keys }),
      encoding: 'utf8',
    });
    assert.equal(migrate.status, 0, migrate.stderr);
    const expected = readdirSync(join(ROOT, 'migrations'))
      .filter((file) => /^\d{14}_.+\.ts$/.test(file))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    assert.ok(expected.length > 0);
    assert.deepEqual((JSON.parse(migrate.stdout) as { applied: string[] }).applied, expected);
  });

  test('npx tessera serve starts the embedded profile on that data and answers the OpenID discovery document', async (t) => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    // A process group of its own: npx runs the server as its child, and the test stops both by PID.
    const server: ChildProcess = spawn('npx', ['tessera', 'serve'], {
      cwd: project,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: userEnv({
        PORT: String(port),
        HOST: '127.0.0.1',
        TESSERA_ISSUER: issuer,
        TESSERA_DATA_DIR: data,
        TESSERA_KEYS_DIR: keys,
        TESSERA_DRAIN_SECONDS: '0',
      }),
    });
    let output = '';
    server.stdout?.on('data', (chunk) => (output += chunk));
    server.stderr?.on('data', (chunk) => (output += chunk));
    const exited = once(server, 'exit');
    const group = server.pid as number;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-group, signal);
      } catch {
        // ESRCH: every process of the group has already exited.
      }
    };
    t.after(() => signalGroup('SIGKILL'));

    const url = `http://127.0.0.1:${port}/.well-known/openid-configuration`;
    let response: Response | undefined;
    const deadline = Date.now() + 60_000;
    while (!response && Date.now() < deadline && server.exitCode === null) {
      response = await fetch(url).catch(() => undefined);
      if (!response) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(response, `the server answered:\n${output}`);
    assert.equal(response.status, 200);
    const discovery = (await response.json()) as { issuer: string; token_endpoint: string };
    assert.equal(discovery.issuer, issuer);
    assert.equal(discovery.token_endpoint, `${issuer}/token`);
    assert.ok(existsSync(join(data, 'pgdata')), 'the embedded database lives in TESSERA_DATA_DIR');

    // The pages' stylesheet is read from the package at runtime, not compiled: it must be there too.
    const css = await fetch(`http://127.0.0.1:${port}/assets/tessera.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);

    signalGroup('SIGTERM');
    await exited;
  });
});
