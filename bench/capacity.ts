/**
 * `npm run bench:capacity` (`node bench/capacity.ts [--requests 2000] [--pat-requests 300]`): what
 * one request of each hot path costs — the server's CPU (pinned to one CPU, `taskset`), Redis
 * commands (INFO commandstats) and Redis CPU, PostgreSQL transactions and rows
 * (pg_stat_database of Tessera's own database) — for docs/capacity.md (issue 16). A Redis server
 * of its own (`redis-server`, no persistence) keeps other users of the shared one out of the
 * counts; PostgreSQL is the shared server, counted per database. Each request is sent once
 * (tokens are introspected and revoked one by one), 16 at a time, from this process on the other
 * CPU. Prints a table; writes bench/results/capacity-<timestamp>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { LOADER_CPU, pinningUnavailable, pinServer, SERVER_CPU } from './lib/pinning.ts';
import {
  cleanUp,
  cpuMs,
  freePort,
  installSignalHandlers,
  ROOT,
  startProcess,
  treeCpuMs,
} from './lib/processes.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    'pat-requests': { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '16' },
  },
});
const REQUESTS = Number(values.requests);
const PAT_REQUESTS = Number(values['pat-requests']);
const CONCURRENCY = Number(values.concurrency);

type Call = { path: string; headers: Record<string, string>; body: string; expect: number };
type Counters = {
  serverCpuMs: number;
  redisCpuMs: number;
  redis: Map<string, number>;
  pg: Record<string, number>;
};

const log = (message: string) => console.error(message);

const commandStats = async (redis: Redis): Promise<Map<string, number>> => {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls.set(match[1] as string, Number(match[2]));
  return calls;
};

const PG_COUNTERS = [
  'xact_commit',
  'xact_rollback',
  'tup_returned',
  'tup_fetched',
  'tup_inserted',
  'tup_updated',
  'tup_deleted',
];

const pgStats = async (client: pg.Client, database: string): Promise<Record<string, number>> => {
  // Another backend's counters reach the shared statistics when it has been idle for a moment.
  await client.query('select pg_stat_clear_snapshot()');
  const { rows } = await client.query(
    `select ${PG_COUNTERS.join(', ')} from pg_stat_database where datname = $1`,
    [database],
  );
  return Object.fromEntries(PG_COUNTERS.map((name) => [name, Number(rows[0]?.[name] ?? 0)]));
};

/**
 * Sends every call once, `concurrency` at a time; fails on an unexpected status. A 503 (a store
 * that did not answer in time, on a loaded machine) is retried up to 3 times and counted.
 */
const send = async (
  url: string,
  calls: Call[],
  concurrency = CONCURRENCY,
): Promise<{ bodies: unknown[]; retries: number }> => {
  const bodies: unknown[] = new Array(calls.length);
  let next = 0;
  let retries = 0;
  const worker = async () => {
    while (next < calls.length) {
      const index = next++;
      const call = calls[index] as Call;
      for (let attempt = 0; ; attempt++) {
        const response = await fetch(`${url}${call.path}`, {
          method: 'POST',
          headers: call.headers,
          body: call.body,
        });
        const text = await response.text();
        if (response.status === 503 && attempt < 3) {
          retries += 1;
          await new Promise((wait) => setTimeout(wait, 200));
          continue;
        }
        if (response.status !== call.expect)
          throw new Error(
            `${call.path} answered ${response.status}, not ${call.expect}: ${text.slice(0, 300)}`,
          );
        bodies[index] = text ? JSON.parse(text) : undefined;
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, worker));
  return { bodies, retries };
};

installSignalHandlers();
try {
  const cannotPin = pinningUnavailable();
  if (cannotPin) log(`not pinned: ${cannotPin}; CPU figures are whole-process`);

  // A Redis of our own, so INFO commandstats counts Tessera's commands only.
  const redisPort = await freePort();
  const redisServer = startProcess(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { env: {}, command: 'redis-server' },
  );
  process.env.REDIS_URL = `redis://127.0.0.1:${redisPort}`;
  const probe = new Redis(process.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  probe.on('error', () => {});
  for (let attempt = 0; ; attempt++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (attempt > 50)
        throw new Error(`redis-server did not start: ${redisServer.output()}`, { cause: error });
      probe.disconnect();
      await new Promise((wait) => setTimeout(wait, 100));
    }
  }

  // targets.ts reads REDIS_URL when it is loaded.
  const { basicAuth, JWT_API, JWT_SCOPE, OPAQUE_API, OPAQUE_SCOPE, startTessera } =
    await import('./lib/targets.ts');
  const { accessTokenFixtures, createAccessTokens } = await import('./lib/access-token-fixtures.ts');
  log('starting Tessera (production profile) with a Redis of its own…');
  const tessera = await startTessera({});
  const { fixtures } = tessera;
  const url = tessera.target.url;
  const form = (credentials: { clientId: string; clientSecret: string }) => ({
    'content-type': 'application/x-www-form-urlencoded',
    authorization: basicAuth(credentials),
  });
  const tokenCall = (resource: string, scope: string): Call => ({
    path: '/token',
    headers: form(fixtures.service),
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }).toString(),
    expect: 200,
  });
  const repeat = (call: Call, count: number) => Array.from({ length: count }, () => call);
  const each = (tokens: string[], path: string, credentials: typeof fixtures.service): Call[] =>
    tokens.map((token) => ({
      path,
      headers: form(credentials),
      body: new URLSearchParams({ token }).toString(),
      expect: 200,
    }));

  const access = await accessTokenFixtures(tessera);
  log('minting 500 PATs through the management API…');
  const pats = await createAccessTokens(tessera, 'personal', 500);
  const database = tessera.database;
  const pgClient = new pg.Client({
    connectionString: process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test',
  });
  await pgClient.connect();

  if (!cannotPin) {
    pinServer(tessera.target.process.pid, SERVER_CPU);
    execFileSync('taskset', ['-a', '-cp', String(LOADER_CPU), String(process.pid)], { stdio: 'ignore' });
  }

  const counters = async (): Promise<Counters> => ({
    serverCpuMs: treeCpuMs(tessera.target.process.pid),
    redisCpuMs: cpuMs(redisServer.pid),
    redis: await commandStats(probe),
    pg: await pgStats(pgClient, database),
  });
  const settle = () => new Promise((wait) => setTimeout(wait, 2_500));

  type Row = {
    path: string;
    requests: number;
    concurrency: number;
    seconds: number;
    retriesAfter503: number;
    serverCpuMsPerRequest: number;
    redisCpuUsPerRequest: number;
    redisCommandsPerRequest: Record<string, number>;
    postgresPerRequest: Record<string, number>;
  };
  const rows: Row[] = [];
  const measure = async (path: string, calls: Call[], concurrency = CONCURRENCY): Promise<unknown[]> => {
    await settle();
    const before = await counters();
    const started = { server: before.serverCpuMs, redis: before.redisCpuMs, at: performance.now() };
    const { bodies, retries } = await send(url, calls, concurrency);
    const serverCpu = treeCpuMs(tessera.target.process.pid) - started.server;
    const redisCpu = cpuMs(redisServer.pid) - started.redis;
    const seconds = (performance.now() - started.at) / 1000;
    await settle();
    const after = await counters();
    const perRequest = (value: number) => Math.round((value / calls.length) * 1000) / 1000;
    const redisCommands: Record<string, number> = {};
    for (const [command, calls] of after.redis) {
      // Our own INFO calls are not Tessera's.
      if (command === 'info') continue;
      const delta = calls - (before.redis.get(command) ?? 0);
      if (delta > 0) redisCommands[command] = perRequest(delta);
    }
    const postgres: Record<string, number> = {};
    for (const name of PG_COUNTERS) {
      // Counted in Tessera's own database: our statistics queries run in another.
      const delta = (after.pg[name] ?? 0) - (before.pg[name] ?? 0);
      if (delta > 0) postgres[name] = perRequest(delta);
    }
    const row = {
      path,
      requests: calls.length,
      concurrency,
      // Wall time of the window: background work (the revocation list's poll) is counted per second, not per request.
      seconds: Math.round(seconds * 10) / 10,
      retriesAfter503: retries,
      serverCpuMsPerRequest: perRequest(serverCpu),
      redisCpuUsPerRequest: perRequest(redisCpu * 1000),
      redisCommandsPerRequest: redisCommands,
      postgresPerRequest: postgres,
    };
    rows.push(row);
    log(`  ${path}: ${row.serverCpuMsPerRequest} CPU ms/req`);
    return bodies;
  };

  const tokensOf = (bodies: unknown[]) =>
    bodies.map((body) => (body as { access_token: string }).access_token);
  log('warming up…');
  await send(url, [
    ...repeat(tokenCall(JWT_API, JWT_SCOPE), 300),
    ...repeat(tokenCall(OPAQUE_API, OPAQUE_SCOPE), 300),
  ]);
  log('measuring…');
  const jwts = tokensOf(
    await measure(
      'POST /token client_credentials, JWT (ES256)',
      repeat(tokenCall(JWT_API, JWT_SCOPE), REQUESTS),
    ),
  );
  const opaque = tokensOf(
    await measure(
      'POST /token client_credentials, opaque',
      repeat(tokenCall(OPAQUE_API, OPAQUE_SCOPE), REQUESTS),
    ),
  );
  await measure(
    'POST /token/introspection, opaque',
    each(opaque, '/token/introspection', fixtures.resourceServer),
  );
  await measure('POST /token/introspection, JWT', each(jwts, '/token/introspection', fixtures.service));
  const patCalls = each(pats, '/token/introspection', fixtures.resourceServer);
  await measure(
    'POST /token/introspection, PAT',
    Array.from({ length: REQUESTS }, (_, index) => patCalls[index % patCalls.length] as Call),
  );
  // Writes to PostgreSQL: fewer at a time, as a client would pace them.
  await measure('POST /token/revocation, opaque', each(opaque, '/token/revocation', fixtures.service), 4);
  await measure('POST /token/revocation, JWT', each(jwts, '/token/revocation', fixtures.service), 4);
  const batch = Date.now().toString(36);
  await measure(
    'POST /v1/access-tokens (create a PAT)',
    Array.from({ length: PAT_REQUESTS }, (_, index) => ({
      path: '/v1/access-tokens',
      headers: { authorization: `Bearer ${access.adminPat}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `capacity-${batch}-${index}`,
        scopes: ['tokens:read'],
        expires_in_days: 1,
      }),
      expect: 201,
    })),
    4,
  );
  await pgClient.end();
  probe.disconnect();

  const table = rows.map((row) => ({
    path: row.path,
    s: row.seconds,
    'CPU ms/req': row.serverCpuMsPerRequest,
    'Redis cmds/req': Object.entries(row.redisCommandsPerRequest)
      .map(([command, count]) => `${command} ${count}`)
      .join(', '),
    'Redis CPU µs/req': row.redisCpuUsPerRequest,
    'Postgres/req': Object.entries(row.postgresPerRequest)
      .map(([name, count]) => `${name} ${count}`)
      .join(', '),
  }));
  console.table(table);
  const out = join(ROOT, 'bench/results', `capacity-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ schema: 'tessera-capacity/1', at: new Date().toISOString(), pinned: !cannotPin, concurrency: CONCURRENCY, rows }, null, 2)}\n`,
  );
  console.log(`results: ${out}`);
} catch (error) {
  console.error(`capacity failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
