import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { BaselineConfig } from '../baseline/oidc-provider-server.ts';
import {
  freePort,
  onCleanup,
  processTree,
  ROOT,
  runScript,
  startProcess,
  type Started,
  waitForHttp,
} from './processes.ts';

/**
 * The servers under load — Tessera in the production profile, the bare oidc-provider baseline,
 * a bare koa app — and the fixtures they serve. Whatever is created here is registered for
 * clean-up right away: Tessera's database, its Redis keys (by prefix), its folders, the processes.
 */
export type TargetName = 'tessera' | 'baseline' | 'koa' | 'jose';
export type Target = { name: TargetName; url: string; process: Started };

export const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const JWT_API = 'https://api.bench.test';
export const OPAQUE_API = 'https://opaque.bench.test';
export const JWT_SCOPE = 'groups:read-only';
export const OPAQUE_SCOPE = 'instances:read-only';

export type Credentials = { clientId: string; clientSecret: string };

export const basicAuth = ({ clientId, clientSecret }: Credentials): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;

/** Both servers serve the same API resources and the same two clients, with the same credentials. */
export type Fixtures = {
  apis: { identifier: string; format: 'jwt' | 'opaque'; accessTokenTtl: number; scopes: string[] }[];
  /** Gets tokens for both APIs. */
  service: Credentials;
  /** The opaque API's resource server: introspects its tokens. */
  resourceServer: Credentials;
};

const API_DEFINITIONS: Fixtures['apis'] = [
  { identifier: JWT_API, format: 'jwt', accessTokenTtl: 300, scopes: [JWT_SCOPE, 'groups:read-write'] },
  // One hour: the scale scenario's million tokens must stay live while they are measured.
  { identifier: OPAQUE_API, format: 'opaque', accessTokenTtl: 3600, scopes: [OPAQUE_SCOPE] },
];

export type TesseraSetup = {
  target: Target;
  /** The environment Tessera runs with (also what the CLI and the bench's storage access use). */
  env: Record<string, string>;
  pepper: string;
  redisPrefix: string;
  database: string;
  /** The bench's own connection, for memory figures and clean-up; never used for other prefixes. */
  redis: Redis;
  fixtures: Fixtures;
};

/** Tessera's CLI with `--json`, against the bench's database and Redis; `input` goes to its stdin. */
export const cli = async <T>(env: Record<string, string>, args: string[], input?: string): Promise<T> =>
  JSON.parse(await runScript('tessera-cli', ['src/cli/main.ts', ...args, '--json'], env, input)) as T;

/** SCAN + UNLINK of one prefix, in batches: the Redis server may be shared, so never FLUSHALL. */
export const deleteRedisPrefix = async (redis: Redis, prefix: string, match = '*'): Promise<number> => {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}${match}`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
};

export const startTessera = async (options: { profileDir?: string }): Promise<TesseraSetup> => {
  // Hex only: nothing in the database name or the key prefix needs quoting or is a SCAN glob.
  const suffix = randomBytes(6).toString('hex');
  const database = `tessera_bench_${suffix}`;
  const redisPrefix = `tessera-bench-${suffix}:`;

  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  onCleanup(`drop database ${database}`, async () => {
    const dropper = new pg.Client({ connectionString: POSTGRES_URL });
    await dropper.connect();
    try {
      await dropper.query(`drop database if exists ${database} with (force)`);
    } finally {
      await dropper.end();
    }
  });

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2, connectionName: 'tessera-bench' });
  onCleanup('disconnect bench Redis client', () => redis.disconnect());
  onCleanup(`delete Redis keys ${redisPrefix}*`, () => deleteRedisPrefix(redis, redisPrefix));

  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-server-'));
  onCleanup('remove Tessera folders', () => rmSync(dir, { recursive: true, force: true }));

  const databaseUrl = new URL(POSTGRES_URL);
  databaseUrl.pathname = `/${database}`;
  const port = await freePort();
  const pepper = randomBytes(32).toString('base64url');
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL,
    TESSERA_REDIS_PREFIX: redisPrefix,
    TESSERA_SECRET_PEPPER: pepper,
    TESSERA_COOKIE_KEYS: randomBytes(32).toString('base64url'),
    TESSERA_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    TESSERA_KEYS_DIR: join(dir, 'keys'),
    TESSERA_DATA_DIR: join(dir, 'data'),
    TESSERA_ISSUER: `http://127.0.0.1:${port}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    // The access log at info would dominate the profile of a sub-millisecond endpoint.
    LOG_LEVEL: 'warn',
  };
  const args = ['src/main.ts'];
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true });
    args.unshift(
      '--cpu-prof',
      '--cpu-prof-dir',
      options.profileDir,
      '--cpu-prof-name',
      `tessera-${suffix}.cpuprofile`,
    );
  }
  const started = startProcess('tessera', args, { env });
  await waitForHttp(started, `${env.TESSERA_ISSUER}/readyz`);

  // Registered the way an operator does it: the CLI with --json, against the same database.
  for (const api of API_DEFINITIONS) {
    await cli(env, [
      'api-resources',
      'create',
      '--identifier',
      api.identifier,
      '--name',
      `Bench ${api.format}`,
      '--format',
      api.format,
      '--scopes',
      api.scopes.join(' '),
      '--ttl',
      String(api.accessTokenTtl),
      ...(api.format === 'jwt' ? ['--signing-alg', 'ES256'] : []),
    ]);
  }
  type Created = { client_id: string; client_secret: string };
  const [service, resourceServer] = await Promise.all([
    cli<Created>(env, [
      'clients',
      'create',
      '--name',
      'bench-service',
      '--grant-types',
      'client_credentials',
      '--resources',
      `${JWT_API},${OPAQUE_API}`,
      '--scopes',
      `${JWT_SCOPE} ${OPAQUE_SCOPE}`,
    ]),
    cli<Created>(env, [
      'clients',
      'create',
      '--name',
      'bench-resource-server',
      '--grant-types',
      'client_credentials',
      '--resources',
      OPAQUE_API,
      '--introspects',
      OPAQUE_API,
    ]),
  ]);
  const credentials = (created: Created): Credentials => ({
    clientId: created.client_id,
    clientSecret: created.client_secret,
  });

  return {
    target: { name: 'tessera', url: env.TESSERA_ISSUER, process: started },
    env,
    pepper,
    redisPrefix,
    database,
    redis,
    fixtures: {
      apis: API_DEFINITIONS,
      service: credentials(service),
      resourceServer: credentials(resourceServer),
    },
  };
};

/**
 * A second Tessera on the same database, Redis prefix, pepper and keys, as `tessera serve
 * --workers N` (node's cluster: N worker processes behind one port). Its own port, so its own
 * issuer: tokens are minted from it for what it is loaded with.
 */
export const startTesseraWorkers = async (setup: TesseraSetup, workers: number): Promise<Target> => {
  const port = await freePort();
  const env = {
    ...setup.env,
    PORT: String(port),
    TESSERA_ISSUER: `http://127.0.0.1:${port}`,
  };
  const started = startProcess(
    `tessera-${workers}-workers`,
    ['src/cli/main.ts', 'serve', '--workers', String(workers)],
    {
      env,
    },
  );
  await waitForHttp(started, `${env.TESSERA_ISSUER}/readyz`);
  // One ready worker answers /readyz already; the primary hands connections only to workers that
  // listen. Wait until all are forked, then give the slower ones time to finish starting.
  const deadline = Date.now() + 30_000;
  while (processTree(started.pid).length < workers + 1 && Date.now() < deadline)
    await new Promise((wait) => setTimeout(wait, 100));
  await new Promise((wait) => setTimeout(wait, 3_000));
  return { name: 'tessera', url: env.TESSERA_ISSUER, process: started };
};

/** The bare oidc-provider, serving the same APIs to the same client credentials. */
export const startBaseline = async (
  fixtures: Fixtures,
  options: { profileDir?: string },
): Promise<Target> => {
  const port = await freePort();
  const config: BaselineConfig = {
    port,
    issuer: `http://127.0.0.1:${port}`,
    clients: [
      {
        ...fixtures.service,
        scopes: [JWT_SCOPE, OPAQUE_SCOPE],
        introspects: [],
      },
      { ...fixtures.resourceServer, scopes: [], introspects: [OPAQUE_API] },
    ],
    resources: fixtures.apis.map((api) => ({ ...api, signingAlg: 'ES256' as const })),
  };
  const args = ['bench/baseline/oidc-provider-server.ts'];
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true });
    args.unshift(
      '--cpu-prof',
      '--cpu-prof-dir',
      options.profileDir,
      '--cpu-prof-name',
      `baseline-${randomBytes(6).toString('hex')}.cpuprofile`,
    );
  }
  const started = startProcess('baseline', args, {
    env: { NODE_ENV: 'production', BENCH_BASELINE: JSON.stringify(config) },
  });
  await waitForHttp(started, `${config.issuer}/.well-known/openid-configuration`);
  return { name: 'baseline', url: config.issuer, process: started };
};

export const startKoa = async (): Promise<Target> => {
  const port = await freePort();
  const started = startProcess('koa', ['bench/baseline/koa-server.ts'], {
    env: { NODE_ENV: 'production', PORT: String(port) },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(started, url);
  return { name: 'koa', url, process: started };
};

export const PROFILE_DIR = join(ROOT, 'bench/results/profiles');
