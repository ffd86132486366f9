import { availableParallelism } from 'node:os';
import { interleavedRows, rateRatio } from '../lib/interleave.ts';
import { startTesseraWorkers } from '../lib/targets.ts';
import { clientCredentialsJwt, clientCredentialsOpaque } from './client-credentials.ts';
import { introspectionOpaque } from './introspection.ts';
import { type Check, check, type ComparedScenario, type Row, type TesseraOnlyScenario } from './scenario.ts';

/**
 * Scenario 9: scenarios 1–3 against `tessera serve --workers 2` (node's cluster: two worker
 * processes behind one port) vs the one-process server, on the same database, Redis and keys,
 * interleaved run by run. The server's CPU counts every worker. Target: 2 workers ≥ 1.6× one.
 * On a machine with 2 cores the load generator and Redis need CPU too: the notes say how the
 * machine's cores were shared (server, load generator, the whole machine, steal, how often the
 * server was preempted), and the most two workers could reach on it: its cores divided by the
 * cores the whole machine was busy with one process, i.e. if every request cost the machine what
 * it did then. A ratio close to that
 * ceiling but under the target is the machine's limit, not the server's.
 */
const WORKERS = 2;
const SHORT: Record<string, string> = {
  'client-credentials-jwt': 'client_credentials JWT',
  'client-credentials-opaque': 'client_credentials opaque',
  'introspection-opaque': 'introspection opaque',
};
const COMPARED: ComparedScenario[] = [clientCredentialsJwt, clientCredentialsOpaque, introspectionOpaque];

export const workers: TesseraOnlyScenario = {
  kind: 'tessera-only',
  id: 'workers',
  number: 9,
  title: 'the same scenarios with 2 worker processes vs 1',
  async run(ctx) {
    const { tessera } = ctx;
    ctx.log(`  starting tessera serve --workers ${WORKERS} on the same database and Redis…`);
    const two = await startTesseraWorkers(tessera, WORKERS);
    const rows: Row[] = [];
    const checks: Check[] = [];
    const notes: string[] = [];
    const figures: Record<string, number> = {};
    try {
      for (const scenario of COMPARED) {
        const short = SHORT[scenario.id] ?? scenario.id;
        const [one, many] = (await interleavedRows(ctx, 'workers', [
          {
            label: `${short}, 1 process`,
            target: tessera.target,
            plan: () => scenario.plan(ctx, tessera.target, tessera.fixtures),
          },
          {
            label: `${short}, ${WORKERS} workers`,
            target: two,
            plan: () => scenario.plan(ctx, two, tessera.fixtures),
          },
        ])) as [Row, Row];
        rows.push(one, many);
        const ratio = rateRatio(many, one);
        figures[`${scenario.id}.workersOverOne`] = Math.round(ratio * 1000) / 1000;
        checks.push(check('workers', `9 ${short}: ${WORKERS} workers vs 1`, ratio, 'at-least', 1.6, '×'));
        const cpuRatio = many.summary.serverCpuMsPerRequest / one.summary.serverCpuMsPerRequest;
        const ceiling = availableParallelism() / one.summary.machineBusyShare;
        figures[`${scenario.id}.machineCeiling`] = Math.round(ceiling * 1000) / 1000;
        const cores = (pick: (row: Row) => number) => `${pick(one).toFixed(2)} → ${pick(many).toFixed(2)}`;
        notes.push(
          `${short}: ${ratio.toFixed(2)}× req/s with ${WORKERS} workers, ${cpuRatio.toFixed(2)}× CPU/req; ` +
            `cores used (of ${availableParallelism()}): server ${cores((row) => row.summary.serverCpuShare)}, ` +
            `load generator ${cores((row) => row.summary.loaderCpuShare)}, ` +
            `whole machine ${cores((row) => row.summary.machineBusyShare)} (Redis, PostgreSQL and the kernel included), ` +
            `stolen by the hypervisor ${cores((row) => row.summary.stealShare)}; ` +
            `server preempted ${cores((row) => row.summary.serverPreemptionsPerRequest)} times per request; ` +
            `this machine allows at most ${ceiling.toFixed(2)}× (${Math.round((ratio / ceiling) * 100)}% of it reached)`,
        );
      }
    } finally {
      await two.process.stop();
    }
    return { rows, figures, checks, notes };
  },
};
