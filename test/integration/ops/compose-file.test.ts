import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// docker-compose.yml is the deployment most people try first: these tests pin the parts that make
// it start in the right order, keep its data, and refuse to run with placeholder secrets.

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const composeText = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');

type DependsOn = Record<string, { condition?: string }>;
type Healthcheck = { test?: string[] | string; disable?: boolean };
type Service = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: DependsOn | string[];
  healthcheck?: Healthcheck;
  restart?: string;
};
type ComposeFile = {
  version?: unknown;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};

const compose = parse(composeText) as ComposeFile;

function service(name: string): Service {
  const found = compose.services[name];
  assert.ok(found, `service ${name} is declared`);
  return found;
}

function dependsOn(name: string): DependsOn {
  const deps = service(name).depends_on;
  assert.ok(deps && !Array.isArray(deps), `${name}.depends_on uses the long form with conditions`);
  return deps;
}

function healthcheckCommand(name: string): string[] {
  const check = service(name).healthcheck?.test;
  assert.ok(Array.isArray(check), `${name} has an exec-form healthcheck`);
  assert.ok(
    check[0] === 'CMD' || check[0] === 'CMD-SHELL',
    `${name} healthcheck starts with CMD or CMD-SHELL`,
  );
  return check;
}

/** Asserts `${name}:/target` mounts a volume declared at the top level (so it outlives containers). */
function assertNamedVolume(serviceName: string, target: string): void {
  const mount = service(serviceName).volumes?.find((v) => v.split(':')[1] === target);
  assert.ok(mount, `${serviceName} mounts something at ${target}`);
  const source = mount.split(':')[0] ?? '';
  assert.ok(
    !source.startsWith('.') && !source.startsWith('/'),
    `${target} is a named volume, not a bind mount`,
  );
  assert.ok(compose.volumes && source in compose.volumes, `volume ${source} is declared under volumes:`);
}

// ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}: the Compose interpolation forms.
const interpolation = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(allStrings);
  return [];
}

// The words Tessera's config rejects in secrets: a default containing one would never start.
const placeholder = /change-?me|example|placeholder/i;

const secrets = ['TESSERA_SECRET_PEPPER', 'TESSERA_COOKIE_KEYS', 'TESSERA_KEY_ENCRYPTION_KEY'] as const;

describe('docker-compose.yml', () => {
  test('declares postgres, redis, migrate and tessera services in Compose spec form (no version key)', () => {
    assert.equal(compose.version, undefined);
    assert.deepEqual(Object.keys(compose.services).sort(), ['migrate', 'postgres', 'redis', 'tessera']);
  });

  test('postgres 17 creates the tessera database, keeps it on a named volume and reports health with pg_isready', () => {
    const postgres = service('postgres');
    assert.equal(postgres.image, 'postgres:17');
    assert.equal(postgres.environment?.POSTGRES_USER, 'tessera');
    assert.equal(postgres.environment?.POSTGRES_DB, 'tessera');
    assert.ok(postgres.environment?.POSTGRES_PASSWORD, 'POSTGRES_PASSWORD is set');
    assertNamedVolume('postgres', '/var/lib/postgresql/data');
    const check = healthcheckCommand('postgres').slice(1).join(' ');
    assert.match(check, /^pg_isready\b.*-U tessera\b/);
  });

  test('redis persists with AOF (appendonly yes, appendfsync everysec) on a named /data volume and answers redis-cli ping', () => {
    const redis = service('redis');
    assert.match(redis.image ?? '', /^redis:7\b/);
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : (redis.command ?? '');
    assert.match(command, /--appendonly yes\b/);
    assert.match(command, /--appendfsync everysec\b/);
    assertNamedVolume('redis', '/data');
    assert.match(healthcheckCommand('redis').slice(1).join(' '), /\bredis-cli ping\b/);
  });

  test('migrate is a one-shot job built from the Dockerfile that runs after postgres is healthy', () => {
    const migrate = service('migrate');
    assert.ok(migrate.build, 'migrate is built from this repository');
    const context = typeof migrate.build === 'string' ? migrate.build : migrate.build?.context;
    assert.equal(context, '.');
    assert.deepEqual(migrate.command, ['node', 'bin/tessera.js', 'migrate']);
    assert.equal(migrate.restart, 'no');
    assert.equal(dependsOn('migrate').postgres?.condition, 'service_healthy');
  });

  test('tessera serves on port 3000 from the same image, only after migrate succeeded and postgres and redis are healthy', () => {
    const tessera = service('tessera');
    assert.ok(tessera.build, 'tessera is built from this repository');
    assert.equal(tessera.image, service('migrate').image, 'migrate and tessera run the same image');
    assert.deepEqual(tessera.command, ['node', 'bin/tessera.js', 'serve']);
    assert.ok(tessera.ports?.includes('3000:3000'), 'port 3000 is published');
    const deps = dependsOn('tessera');
    assert.equal(deps.migrate?.condition, 'service_completed_successfully');
    assert.equal(deps.postgres?.condition, 'service_healthy');
    assert.equal(deps.redis?.condition, 'service_healthy');
  });

  test('tessera keeps its private signing keys on a named volume at /app/keys', () => {
    assertNamedVolume('tessera', '/app/keys');
  });

  test('migrate and tessera reach postgres and redis by service name', () => {
    for (const name of ['migrate', 'tessera']) {
      const env = service(name).environment ?? {};
      const database = new URL(env.DATABASE_URL ?? '');
      assert.equal(database.protocol, 'postgres:', `${name} DATABASE_URL is a postgres URL`);
      assert.equal(database.hostname, 'postgres', `${name} DATABASE_URL points at the postgres service`);
      assert.equal(database.pathname, '/tessera');
      const redis = new URL(env.REDIS_URL ?? '');
      assert.equal(redis.protocol, 'redis:', `${name} REDIS_URL is a redis URL`);
      assert.equal(redis.hostname, 'redis', `${name} REDIS_URL points at the redis service`);
    }
    assert.equal(service('tessera').environment?.TESSERA_ISSUER, `\${TESSERA_ISSUER:-http://localhost:3000}`);
  });

  test(`TESSERA_SECRET_PEPPER, TESSERA_COOKIE_KEYS and TESSERA_KEY_ENCRYPTION_KEY are required variables (\${VAR:?…}) with no default`, () => {
    for (const name of ['migrate', 'tessera']) {
      const env = service(name).environment ?? {};
      for (const secret of secrets) {
        const value = env[secret];
        assert.ok(value, `${name} passes ${secret}`);
        assert.match(
          value,
          new RegExp(`^\\$\\{${secret}:\\?[^}]+\\}$`),
          `${name}.${secret} is \${${secret}:?…}`,
        );
      }
    }
    // Nowhere in the file may a secret get a fallback value.
    for (const match of composeText.matchAll(interpolation)) {
      if ((secrets as readonly string[]).includes(match[1] ?? '')) {
        assert.equal(match[2], ':?', `${match[0]} must fail when ${match[1]} is unset`);
      }
    }
  });

  test('no default value interpolated into the file is a placeholder that Tessera would reject', () => {
    const defaults = allStrings(compose)
      .flatMap((value) => [...value.matchAll(interpolation)])
      .filter((match) => match[2] === ':-' || match[2] === '-')
      .map((match) => match[3] ?? '');
    for (const fallback of defaults) assert.doesNotMatch(fallback, placeholder);
    for (const secret of secrets) {
      for (const name of ['migrate', 'tessera']) {
        assert.doesNotMatch(service(name).environment?.[secret] ?? '', placeholder);
      }
    }
  });

  test("tessera's healthcheck command exits 0 only while GET /readyz answers 2xx", async () => {
    const check = healthcheckCommand('tessera');
    assert.equal(check[0], 'CMD');
    assert.equal(check[1], 'node', 'the slim image has node but no curl');
    // Compose would interpolate a `$` in the command: the script must not contain one.
    assert.ok(!check.slice(2).join(' ').includes('$'), 'the healthcheck script contains no `$`');

    let ready = false;
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = req.url === '/readyz' ? (ready ? 200 : 503) : 404;
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const run = () =>
      new Promise<number>((resolve) => {
        execFile(
          process.execPath,
          check.slice(2),
          { env: { ...process.env, PORT: String(port) }, timeout: 10_000 },
          (error) => resolve(error ? Number(error.code ?? 1) : 0),
        );
      });
    try {
      assert.notEqual(await run(), 0, 'unhealthy while /readyz answers 503');
      ready = true;
      assert.equal(await run(), 0, 'healthy once /readyz answers 200');
      assert.deepEqual(paths, ['/readyz', '/readyz']);
    } finally {
      server.close();
    }
  });

  // `docker compose` (v2 plugin) or Debian's `docker-compose` (v1): both parse without an engine.
  // .ci/run installs the latter, so under CI one of them is always there.
  const composeCommand = [['docker', 'compose'], ['docker-compose']].find(
    ([bin, ...rest]) => spawnSync(bin as string, [...rest, 'version'], { stdio: 'ignore' }).status === 0,
  );
  const missingCompose = 'neither `docker compose` nor `docker-compose` is installed';
  if (!composeCommand && process.env.CI === 'true') throw new Error(`${missingCompose}; CI needs one`);
  test(
    'docker compose config accepts the file with both secrets set and rejects it without them',
    { skip: composeCommand ? false : missingCompose },
    () => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const secret of secrets) delete env[secret];
      const config = (extra: NodeJS.ProcessEnv) =>
        spawnSync(
          composeCommand?.[0] as string,
          [...(composeCommand?.slice(1) ?? []), '-f', 'docker-compose.yml', 'config', '-q'],
          {
            cwd: repoRoot,
            env: { ...env, ...extra },
            encoding: 'utf8',
          },
        );
      const ok = config({
        TESSERA_SECRET_PEPPER: 'ci-pepper-6f1d0a9e4b7c2d8f3a5e9b1c7d4f2a8e',
        TESSERA_COOKIE_KEYS: 'ci-cookie-3c8e1f5a9d2b7e4c6a0f8d3b5e1c9a7f',
        TESSERA_KEY_ENCRYPTION_KEY: 'ci-kek-9b2e7d4a1c8f3e6b0d5a2f7c9e4b1d8a',
      });
      assert.equal(ok.status, 0, ok.stderr);
      const missing = config({});
      assert.notEqual(missing.status, 0, 'compose refuses to run without the secrets');
      assert.match(missing.stderr, /TESSERA_(SECRET_PEPPER|COOKIE_KEYS|KEY_ENCRYPTION_KEY)/);
    },
  );
});
