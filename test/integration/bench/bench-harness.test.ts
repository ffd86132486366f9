import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pinningUnavailable } from '../../../bench/lib/pinning.ts';
import { POSTGRES_URL, REDIS_URL } from '../../helpers/production-env.ts';
import { ROOT } from '../../helpers/tessera-process.ts';
import { skipOrFailUnreachable } from '../../helpers/unreachable.ts';

// The bench harness itself, not performance: it starts what it needs, runs one scenario for about
// a second, writes JSON of the documented shape and leaves no database or Redis key behind.
// Nothing here looks at a timing or a verdict.

const reachable = async (): Promise<string | undefined> => {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
  } catch (error) {
    return `PostgreSQL at ${POSTGRES_URL} is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    return `Redis at ${REDIS_URL} is not reachable (${(error as Error).message})`;
  } finally {
    redis.disconnect();
  }
  return undefined;
};

const databaseExists = async (name: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query('select 1 from pg_database where datname = $1', [name]);
    return rows.length > 0;
  } finally {
    await client.end();
  }
};

const redisKeyCount = async (prefix: string): Promise<number> => {
  const redis = new Redis(REDIS_URL);
  try {
    let count = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  } finally {
    redis.disconnect();
  }
};

const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((done) => {
    const child = spawn(process.execPath, ['bench/run.ts', ...args], { cwd: ROOT, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('close', (code) => done({ code, stdout, stderr }));
  });

const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

test('bench harness: a smoke run of scenarios 1, 4, 7 and PAT memory exits 0, writes valid JSON and cleans up', async (t) => {
  const problem = await reachable();
  if (problem) return skipOrFailUnreachable(t, problem);

  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'result.json');

  // Scenario 1 (compared with the baseline), and three Tessera-only ones that exercise the CLI
  // fixtures, tokens made through the management API, a unique body per request and Redis figures.
  const result = await run([
    '--smoke',
    '--scenario',
    'client-credentials-jwt,introspection-pat-rat,management-access-tokens,scale-pat-memory',
    '--out',
    out,
  ]);
  assert.equal(result.code, 0, `bench exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  assert.match(result.stdout, /client_credentials, JWT/);
  assert.match(result.stdout, /introspection, PAT/);
  assert.doesNotMatch(result.stdout, /not yet available:/);

  const json = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  assert.equal(json.schema, 'tessera-bench/1');
  assert.equal(json.mode, 'smoke');
  const machine = json.machine as Record<string, unknown>;
  assert.ok(
    isNumber(machine.nproc) && typeof machine.node === 'string' && typeof machine.cpuModel === 'string',
  );

  const scenarios = json.scenarios as {
    id: string;
    number: number;
    status: string;
    rows: {
      target: string;
      placement?: string;
      summary: Record<string, unknown>;
      vsBaseline?: Record<string, unknown>;
    }[];
  }[];
  const measured = scenarios.find((scenario) => scenario.id === 'client-credentials-jwt');
  assert.equal(measured?.status, 'measured');
  // Unpinned, and pinned (server on one CPU, load generator on the other) where taskset can.
  const machineRows = ['machine baseline', 'machine tessera'];
  assert.deepEqual(
    measured.rows.map((row) => `${row.placement} ${row.target}`).sort(),
    pinningUnavailable() === undefined ? [...machineRows, 'pinned baseline', 'pinned tessera'] : machineRows,
  );
  for (const row of measured.rows) {
    for (const field of ['requestsPerSecond', 'p50Ms', 'p99Ms', 'errors', 'serverCpuMsPerRequest'])
      assert.ok(isNumber(row.summary[field]), `${row.target} ${field} is a number`);
    // How the machine's cores were shared: the load generator's (wrk's or autocannon's) and the
    // whole machine's CPU are measured, not left unknown.
    for (const field of ['loaderCpuShare', 'machineBusyShare'])
      assert.ok((row.summary[field] as number) > 0, `${row.target} ${field} is measured`);
    // A short run may see no preemption at all, but the count is read (-1 would mean not measured).
    assert.ok(
      (row.summary.serverPreemptionsPerRequest as number) >= 0,
      `${row.target} preemptions are counted`,
    );
  }
  const tessera = measured.rows.find((row) => row.target === 'tessera');
  assert.ok(isNumber(tessera?.vsBaseline?.requestsPerSecond) && isNumber(tessera?.vsBaseline?.p99));

  // Every scenario of issue 6 is listed: the selected ones measured, the others marked so.
  const statuses = Object.fromEntries(scenarios.map((scenario) => [scenario.id, scenario.status]));
  assert.deepEqual(statuses, {
    'client-credentials-jwt': 'measured',
    'client-credentials-opaque': 'not-selected',
    'introspection-opaque': 'not-selected',
    'introspection-pat-rat': 'measured',
    'token-exchange': 'not-selected',
    verify: 'not-selected',
    'management-access-tokens': 'measured',
    'scale-introspection': 'not-selected',
    'scale-clients': 'not-selected',
    'scale-pat-memory': 'measured',
    workers: 'not-selected',
  });
  const rowsOf = (id: string) => scenarios.find((scenario) => scenario.id === id)?.rows ?? [];
  assert.deepEqual(
    rowsOf('introspection-pat-rat').map((row) => row.target),
    ['tessera', 'tessera', 'tessera'],
  );
  // Token names must be unique per request: a repeated one would be a 409, counted as an error.
  const [tokensCreated] = rowsOf('management-access-tokens');
  assert.ok(isNumber(tokensCreated?.summary.requestsPerSecond));
  assert.equal(tokensCreated?.summary.errors, 0, 'every POST /v1/access-tokens had a fresh name');
  const memory = scenarios.find((scenario) => scenario.id === 'scale-pat-memory') as unknown as {
    figures: Record<string, unknown>;
  };
  assert.ok(isNumber(memory.figures.redisBytesPerPatMemoryUsage));

  const checks = json.checks as { name: string; pass: unknown; margin: unknown }[];
  assert.ok(checks.length >= 3);
  for (const entry of checks)
    assert.ok(typeof entry.pass === 'boolean' && isNumber(entry.margin), entry.name);
  assert.equal(typeof json.passed, 'boolean');

  // It deleted what it created.
  const created = json.created as { database: string; redisPrefix: string };
  assert.match(created.database, /^tessera_bench_[0-9a-f]+$/);
  assert.equal(await databaseExists(created.database), false, 'its database is dropped');
  assert.equal(await redisKeyCount(created.redisPrefix), 0, 'its Redis keys are deleted');
});

test('bench harness: unknown options and scenarios are refused with exit code 2', async () => {
  const unknownOption = await run(['--no-such-option']);
  assert.equal(unknownOption.code, 2);
  assert.match(unknownOption.stderr, /Usage: npm run bench/);
  const unknownScenario = await run(['--smoke', '--scenario', 'no-such-scenario']);
  assert.equal(unknownScenario.code, 2);
  assert.match(unknownScenario.stderr, /unknown scenario/);
});
