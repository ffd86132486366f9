/**
 * "Answers during an outage" (issue 13): how fast every main endpoint answers while Redis, then
 * PostgreSQL, is stopped, as p50/p99 against the 250 ms target. It starts its own Postgres, Redis
 * and Tessera (the fault kit in test/helpers/fault/, which needs `redis-server` and PostgreSQL's
 * binaries), stops each store in turn, and restarts it. About a minute.
 *
 *   node bench/outage.ts [--rounds 50]
 */
import { parseArgs } from 'node:util';
import {
  type LatencySummary,
  sampleLatencies,
  startOutageDeployment,
} from '../test/helpers/fault/outage-probes.ts';
import { waitUntil } from '../test/helpers/fault/wait-until.ts';

const TARGET_MS = 250;
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '50' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write('--rounds must be a whole number of at least 1\n');
  process.exit(2);
}

const cleanups: (() => unknown)[] = [];
const scope = { after: (fn: () => unknown) => void cleanups.push(fn) };
const cleanUp = async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
};
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

const table = (label: string, rows: LatencySummary[]) => {
  process.stdout.write(`\n${label} (${rounds} requests each, one at a time)\n`);
  process.stdout.write(
    `${'endpoint'.padEnd(36)}${'status'.padEnd(10)}${'p50'.padStart(8)}${'p99'.padStart(8)}  target\n`,
  );
  for (const { name, status, p50, p99 } of rows)
    process.stdout.write(
      `${name.padEnd(36)}${status.padEnd(10)}${`${p50} ms`.padStart(8)}${`${p99} ms`.padStart(8)}  ${p99 <= TARGET_MS ? 'met' : 'MISSED'}\n`,
    );
};

try {
  process.stderr.write('starting Postgres, Redis and Tessera, registering fixtures…\n');
  const { redis, postgres, fixtures } = await startOutageDeployment(scope);
  const ready = () =>
    waitUntil('Tessera ready again', async () => (await fetch(`${fixtures.url}/readyz`)).status === 200);

  table('all stores up', await sampleLatencies(fixtures, rounds));
  await redis.stop();
  table('Redis stopped', await sampleLatencies(fixtures, rounds));
  await redis.start();
  await ready();
  // The restarted Redis is empty: one round puts the PAT's entry back, as live traffic would.
  await sampleLatencies(fixtures, 1);
  await postgres.stop();
  table('PostgreSQL stopped', await sampleLatencies(fixtures, rounds));
  await postgres.start();
  await ready();
} catch (error) {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
