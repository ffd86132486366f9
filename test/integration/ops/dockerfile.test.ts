import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../../src/config/load-config.ts';
import {
  byKeyword,
  copySteps,
  type EmulatedBuild,
  emulateBuild,
  healthcheckCommand,
  inStage,
  parseStages,
  runCommands,
  type Stage,
  WORKDIR,
  words,
} from '../../helpers/dockerfile-stages.ts';
import { freePort, ROOT } from '../../helpers/tessera-process.ts';
import { userEnv } from '../../helpers/user-env.ts';

// No Docker engine runs here: these tests keep the Dockerfile and docker-compose.yml true by
// checking every path, command and variable they use, and by building the image's stages as plain
// directories and running the result the way the container would.

const dockerfileText = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = parseStages(dockerfileText);

type Service = {
  build?: string | { context?: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] };
};
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
/** The services run from this repository's image (build: .). */
const tesseraServices = Object.entries(compose.services).filter(([, service]) => service.build);

const stage = (name: string): Stage => {
  const found = stages.find((candidate) => candidate.name === name);
  assert.ok(found, `the Dockerfile has a stage named ${name}`);
  return found;
};
const runtime = stage('runtime');

const env = (of: Stage): Record<string, string> =>
  Object.fromEntries(
    byKeyword(of, 'ENV').flatMap((instruction) =>
      words(instruction).map((word) => word.split('=') as [string, string]),
    ),
  );
const cmd = (): string[] => words(byKeyword(runtime, 'CMD').at(-1) as NonNullable<Stage['instructions'][0]>);
const volumes = (): string[] => byKeyword(runtime, 'VOLUME').flatMap(words);

// Variables set for the sake of libraries, not Tessera's config: NODE_ENV is koa's `app.env`.
const LIBRARY_VARIABLES = ['NODE_ENV'];

describe('Dockerfile', () => {
  test('dockerfile-utils reports no problem in it', () => {
    assert.deepEqual(
      validate(dockerfileText).map((problem) => `line ${problem.range.start.line + 1}: ${problem.message}`),
      [],
    );
  });

  test('builds in stages from one Node image: build compiles the server, deps installs production dependencies only, runtime runs them', () => {
    assert.deepEqual(
      stages.map((each) => each.name),
      ['build', 'deps', 'runtime'],
    );
    assert.equal(new Set(stages.map((each) => each.image)).size, 1, 'every stage uses the same image');
    assert.match(stages[0]?.image ?? '', /^node:\d+-slim$/);
    for (const each of stages) {
      assert.deepEqual(
        byKeyword(each, 'WORKDIR').map(words),
        [[WORKDIR]],
        `${each.name} works in ${WORKDIR}`,
      );
    }
    const build = runCommands(stage('build'));
    assert.ok(build.some((command) => /^npm ci\b/.test(command) && !command.includes('--omit=dev')));
    assert.ok(build.includes('npm run build'));
    assert.ok(runCommands(stage('deps')).some((command) => /^npm ci\b.*--omit=dev\b/.test(command)));
    assert.deepEqual(
      runCommands(runtime).filter((command) => command.startsWith('npm')),
      [],
    );
    assert.deepEqual(
      copySteps(runtime).map((step) => step.from ?? 'context'),
      ['deps', 'context', 'context', 'build', 'build', 'build'],
      'the runtime takes node_modules from deps, the compiled server and the built verify workspace from build',
    );
  });

  test('every file it copies from the build context is in the repository and not left out by .dockerignore', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const each of stages) {
      for (const step of copySteps(each).filter((copy) => copy.from === undefined)) {
        for (const source of step.sources) {
          assert.ok(existsSync(join(ROOT, source)), `${each.name}: COPY ${source}: it exists`);
          for (const pattern of ignored) {
            assert.ok(
              source !== pattern && !source.startsWith(`${pattern}/`),
              `${each.name}: COPY ${source} is excluded by .dockerignore (${pattern})`,
            );
          }
        }
      }
    }
  });

  test('the runtime runs as the unprivileged node user, which may write only to its volumes', () => {
    assert.deepEqual(byKeyword(runtime, 'USER').map(words).at(-1), ['node']);
    const writable = runCommands(runtime)
      .filter((command) => command.startsWith('chown '))
      .flatMap((command) => command.split(' ').slice(2));
    assert.deepEqual(writable.sort(), volumes().sort());
    const { TESSERA_KEYS_DIR, TESSERA_DATA_DIR } = env(runtime);
    assert.ok(volumes().includes(TESSERA_KEYS_DIR ?? ''), 'TESSERA_KEYS_DIR is a volume');
    assert.ok(volumes().includes(TESSERA_DATA_DIR ?? ''), 'TESSERA_DATA_DIR is a volume');
  });

  test('every variable it and docker-compose.yml set is one Tessera reads (src/config/load-config.ts)', () => {
    const known = new Set([...CONFIG_VARIABLES, ...LIBRARY_VARIABLES]);
    for (const name of Object.keys(env(runtime))) assert.ok(known.has(name), `Dockerfile ENV ${name}`);
    for (const [name, service] of tesseraServices) {
      for (const variable of Object.keys(service.environment ?? {}))
        assert.ok(CONFIG_VARIABLES.includes(variable), `docker-compose.yml ${name}: ${variable}`);
    }
  });

  test("docker-compose.yml runs the image's launcher, publishes its port and mounts only its volumes", () => {
    assert.ok(tesseraServices.length > 0);
    const [node, launcher] = cmd();
    for (const [name, service] of tesseraServices) {
      const context = typeof service.build === 'string' ? service.build : service.build?.context;
      assert.equal(context, '.', `${name} builds this Dockerfile`);
      assert.deepEqual(service.command?.slice(0, 2), [node, launcher], `${name} runs ${launcher}`);
      for (const mount of service.volumes ?? []) {
        assert.ok(volumes().includes(mount.split(':')[1] ?? ''), `${name} mounts ${mount} on a VOLUME`);
      }
    }
    const exposed = byKeyword(runtime, 'EXPOSE').flatMap(words);
    assert.deepEqual(exposed, [env(runtime).PORT]);
    const published = (compose.services.tessera?.ports ?? []).map((port) => port.split(':').at(-1));
    assert.deepEqual(published, exposed, 'compose publishes the port the server listens on');
  });
});

describe('the image, built without Docker', () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-image-'));
  let image: EmulatedBuild;
  let app = '';
  /** The runtime ENV with /app pointing at the emulated runtime directory. */
  const runtimeEnv = (extra: Record<string, string> = {}) =>
    userEnv({
      ...Object.fromEntries(
        Object.entries(env(runtime)).map(([name, value]) => [
          name,
          value.startsWith('/') ? inStage(app, value) : value,
        ]),
      ),
      ...extra,
    });

  before(() => {
    image = emulateBuild(stages, ROOT, work);
    app = image.directories.get('runtime') as string;
    // What the runtime's skipped `mkdir -p` would have made.
    for (const volume of volumes()) mkdirSync(inStage(app, volume), { recursive: true });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the runtime holds the compiled server, its compiled migrations and production dependencies, but no TypeScript', () => {
    assert.ok(existsSync(join(app, cmd()[1] as string)), 'the launcher CMD names');
    assert.ok(existsSync(join(app, 'dist/server/src/cli/main.js')), 'the compiled CLI');
    const migrations = (dir: string, ext: string) =>
      readdirSync(dir)
        .filter((file) => file.endsWith(ext))
        .map((file) => file.slice(0, -ext.length));
    assert.deepEqual(
      migrations(join(app, 'dist/server/migrations'), '.js'),
      migrations(join(ROOT, 'migrations'), '.ts'),
    );
    const sources = readdirSync(app, { recursive: true, encoding: 'utf8' }).filter(
      (file) => !file.startsWith('node_modules') && file.endsWith('.ts') && !file.endsWith('.d.ts'),
    );
    assert.deepEqual(sources, []);
    assert.ok(
      existsSync(join(app, 'node_modules/@tessera/verify/dist/index.js')),
      'the @tessera/verify workspace the server imports resolves to its build',
    );
    assert.ok(existsSync(join(app, 'node_modules/oidc-provider')), 'a production dependency is installed');
    assert.ok(!existsSync(join(app, 'node_modules/typescript')), 'a development dependency is not');
  });

  test("the image's launcher answers --help with every command docker-compose.yml runs", () => {
    const help = spawnSync(process.execPath, [cmd()[1] as string, '--help'], {
      cwd: app,
      env: runtimeEnv(),
      encoding: 'utf8',
    });
    assert.equal(help.status, 0, help.stderr);
    for (const [, service] of tesseraServices) {
      assert.match(help.stdout, new RegExp(`^\\s+${service.command?.[2]}\\b`, 'm'));
    }
  });

  test('CMD serves the embedded profile, and both healthchecks (Dockerfile /healthz, compose /readyz) pass', async (t) => {
    const port = String(await freePort());
    const [, ...args] = cmd();
    const server: ChildProcess = spawn(process.execPath, args, {
      cwd: app,
      env: runtimeEnv({ PORT: port, HOST: '127.0.0.1', TESSERA_DRAIN_SECONDS: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout?.on('data', (chunk) => (output += chunk));
    server.stderr?.on('data', (chunk) => (output += chunk));
    const exited = once(server, 'exit');
    t.after(() => server.kill('SIGKILL'));

    const check = (command: string[]) =>
      spawnSync(process.execPath, command.slice(command[0] === 'CMD' ? 2 : 1), {
        env: runtimeEnv({ PORT: port }),
        encoding: 'utf8',
      }).status;
    const dockerCheck = healthcheckCommand(runtime);
    assert.ok(dockerCheck, 'the runtime has an exec-form HEALTHCHECK');
    assert.equal(dockerCheck[0], 'node');
    let healthy = false;
    for (
      const deadline = Date.now() + 60_000;
      !healthy && Date.now() < deadline && server.exitCode === null;
    ) {
      healthy = check(dockerCheck) === 0;
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(healthy, `the Dockerfile's healthcheck passed:\n${output}`);
    const dataDir = inStage(app, env(runtime).TESSERA_DATA_DIR ?? '');
    assert.ok(existsSync(join(dataDir, 'pgdata')), 'the embedded database lives in the data volume');

    const composeCheck = compose.services.tessera?.healthcheck?.test ?? [];
    assert.deepEqual(composeCheck.slice(0, 2), ['CMD', 'node']);
    assert.equal(check(composeCheck), 0, `compose's healthcheck passed:\n${output}`);

    server.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, `the server stopped cleanly on SIGTERM:\n${output}`);
  });
});
