import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LoadSpec } from './load/load-spec.ts';
import { type Loader, type Measurement, runLoad, scratchDir, wrkAvailable } from './lib/load.ts';
import { describeMachine } from './lib/machine.ts';
import { LOADER_CPU, pinningUnavailable, pinServer, SERVER_CPU } from './lib/pinning.ts';
import { type BenchOptions, parseOptions, USAGE } from './lib/options.ts';
import { cleanUp, installSignalHandlers, ROOT, runScript } from './lib/processes.ts';
import { formatProfileSummary, summarizeProfile } from './lib/profile-summary.ts';
import { checkLine, limitsLine, type ReportRow, rowsTable } from './lib/report.ts';
import { type Summary, summarize } from './lib/stats.ts';
import {
  basicAuth,
  JWT_API,
  JWT_SCOPE,
  PROFILE_DIR,
  startBaseline,
  startKoa,
  startTessera,
  type Target,
  type TesseraSetup,
} from './lib/targets.ts';
import { FORM, tokenRequest } from './scenarios/client-credentials.ts';
import { LIMITS, SCENARIOS, selects } from './scenarios/index.ts';
import {
  type BenchContext,
  type Check,
  check,
  type ComparedScenario,
  type Row,
  type TesseraOnlyScenario,
} from './scenarios/scenario.ts';

/**
 * `npm run bench`: starts Tessera (production profile, its own database and Redis prefix), the
 * bare oidc-provider baseline and a bare koa app; loads each scenario from a separate load
 * generator process; prints a table with PASS/FAIL per target of issue 6 and writes
 * bench/results/<timestamp>.json. Progress goes to stderr, the report to stdout. It exits 0 when
 * the bench ran (whatever the verdicts), 1 when it could not, 2 on bad options.
 */
type ScenarioReport = {
  id: string;
  number: number;
  title: string;
  status: 'measured' | 'not-yet-available' | 'not-selected';
  reason?: string;
  rows: Row[];
  figures: Record<string, number>;
  notes: string[];
};

const log = (message: string) => console.error(message);

const interleavedRuns = async (
  ctx: BenchContext,
  scenarios: ComparedScenario[],
  targets: Target[],
  tessera: TesseraSetup,
): Promise<Map<string, Map<string, { runs: Measurement[]; note?: string }>>> => {
  const results = new Map<string, Map<string, { runs: Measurement[]; note?: string }>>();
  for (let run = 0; run < ctx.options.runs; run++) {
    // Alternate which server goes first, so neither always runs on the warmer machine.
    const order = run % 2 === 0 ? targets : [...targets].reverse();
    for (const scenario of scenarios) {
      for (const target of order) {
        const { note, ...plan } = await scenario.plan(ctx, target, tessera.fixtures);
        log(`  ${scenario.number} ${scenario.id} · ${target.name} · run ${run + 1}/${ctx.options.runs}`);
        const measurement = await ctx.load(target, plan);
        const perScenario = results.get(scenario.id) ?? new Map();
        const entry = perScenario.get(target.name) ?? { runs: [], note };
        entry.runs.push(measurement);
        perScenario.set(target.name, entry);
        results.set(scenario.id, perScenario);
      }
    }
  }
  return results;
};

/**
 * The rows and checks of one compared scenario in one placement: unpinned, Tessera ≥ 1.0× the
 * baseline's requests/s and p99 ≤ 1.2× (issue 6); pinned, requests/s ≥ the scenario's per-core
 * target (issue 16).
 */
const comparedRows = (
  scenario: ComparedScenario,
  placement: 'machine' | 'pinned',
  perTarget: Map<string, { runs: Measurement[]; note?: string }> | undefined,
): { rows: Row[]; checks: Check[] } | undefined => {
  const base = perTarget?.get('baseline');
  const ours = perTarget?.get('tessera');
  if (!base || !ours) return undefined;
  const baseSummary = summarize(base.runs);
  const oursSummary = summarize(ours.runs);
  const vsBaseline = {
    requestsPerSecond: oursSummary.requestsPerSecond / baseSummary.requestsPerSecond,
    p99: oursSummary.p99Ms / baseSummary.p99Ms,
    // Not a target, but the steadiest figure on a shared machine: work per request.
    cpuPerRequest: oursSummary.serverCpuMsPerRequest / baseSummary.serverCpuMsPerRequest,
  };
  const label = placement === 'pinned' ? `${scenario.title} · pinned, 1 core` : scenario.title;
  const rows: Row[] = [
    {
      scenario: scenario.id,
      label,
      placement,
      target: 'baseline',
      summary: baseSummary,
      runs: base.runs,
      note: base.note,
    },
    {
      scenario: scenario.id,
      label,
      placement,
      target: 'tessera',
      summary: oursSummary,
      runs: ours.runs,
      note: ours.note,
      vsBaseline,
    },
  ];
  const checks =
    placement === 'pinned'
      ? [
          check(
            scenario.id,
            `${scenario.number} pinned req/s per core vs baseline`,
            vsBaseline.requestsPerSecond,
            'at-least',
            scenario.pinnedTarget,
            '×',
          ),
        ]
      : [
          check(
            scenario.id,
            `${scenario.number} req/s vs baseline`,
            vsBaseline.requestsPerSecond,
            'at-least',
            1.0,
            '×',
          ),
          check(scenario.id, `${scenario.number} p99 vs baseline`, vsBaseline.p99, 'at-most', 1.2, '×'),
        ];
  return { rows, checks: [...checks, errorCheck(rows[1] as Row)] };
};

const errorCheck = (row: Row): Check =>
  check(row.scenario, `errors, ${row.label} (${row.target})`, row.summary.errors, 'at-most', 0, 'errors');

const main = async (options: BenchOptions, loader: Loader): Promise<void> => {
  const startedAt = new Date();
  const machine = describeMachine();
  const selected = (id: string, number?: number) => selects(options.scenarios, id, number);
  const known = new Set<string>([...LIMITS, ...SCENARIOS.flatMap((s) => [s.id, String(s.number)])]);
  const unknown = options.scenarios.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new UsageError(`unknown scenario(s): ${unknown.join(', ')}; known: ${[...known].join(', ')}`);

  const settings = {
    runs: options.runs,
    durationSeconds: options.durationSeconds,
    warmupSeconds: options.warmupSeconds,
    connections: options.connections,
    loader,
    placement: options.placement ?? 'default',
    pinnedRuns: options.pinnedRuns,
    pinnedDurationSeconds: options.pinnedDurationSeconds,
    scaleTokens: options.scaleTokens,
    scaleClients: options.scaleClients,
    introspectionTokens: options.introspectionTokens,
    patMemoryTokens: options.patMemoryTokens,
  };
  const header =
    `Tessera bench · ${options.mode}: ${options.runs} run(s) × ${options.durationSeconds} s ` +
    `(+${options.warmupSeconds} s warm-up) per scenario and server, ${options.connections} connections, ${loader}\n` +
    `machine: ${machine.cpuModel}, nproc ${machine.nproc}, ${machine.memoryGiB} GiB, node ${machine.node}, ` +
    `oidc-provider ${machine.oidcProvider}, commit ${machine.gitCommit ?? '?'}${machine.gitDirty ? ' + uncommitted changes' : ''}`;
  log(header);
  const cannotPin = pinningUnavailable();
  if (cannotPin && (options.placement === 'pinned' || options.placement === 'both'))
    throw new UsageError(`--placement ${options.placement}: ${cannotPin}`);
  const placement = options.placement ?? (cannotPin ? 'machine' : 'both');
  if (cannotPin && !options.placement) log(`no pinned placement: ${cannotPin}`);

  const profileDir = options.profile ? PROFILE_DIR : undefined;
  const load = (
    target: Target,
    plan: Omit<LoadSpec, 'url' | 'connections' | 'durationSeconds' | 'warmupSeconds'>,
    pinned: { durationSeconds?: number; loaderCpu?: number } = {},
  ) =>
    runLoad(
      loader,
      {
        ...plan,
        url: target.url,
        connections: options.connections,
        durationSeconds: pinned.durationSeconds ?? options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
      },
      target.process,
      { cpu: pinned.loaderCpu },
    );

  // Per-core limits first, on a quiet machine.
  let es256: number | undefined;
  let koa: { summary: Summary; runs: Measurement[] } | undefined;
  if (selected('es256')) {
    log('limits: ES256 signatures with node:crypto…');
    const output = await runScript('es256', ['bench/limits/es256-sign.ts', String(options.es256Seconds)]);
    es256 = (JSON.parse(output) as { signaturesPerSecond: number }).signaturesPerSecond;
  }
  if (selected('koa')) {
    log('limits: bare koa…');
    const koaTarget = await startKoa();
    const runs: Measurement[] = [];
    for (let run = 0; run < options.runs; run++) {
      runs.push(
        await load(koaTarget, {
          ...tokenRequest(JWT_API, JWT_SCOPE),
          headers: {
            'content-type': FORM,
            authorization: basicAuth({ clientId: 'koa', clientSecret: 'koa' }),
          },
        }),
      );
    }
    await koaTarget.process.stop();
    koa = { summary: summarize(runs), runs };
  }

  const compared = SCENARIOS.filter(
    (s): s is ComparedScenario => s.kind === 'compared' && selected(s.id, s.number),
  );
  const own = SCENARIOS.filter(
    (s): s is TesseraOnlyScenario => s.kind === 'tessera-only' && selected(s.id, s.number),
  );
  const reports = new Map<string, ScenarioReport>(
    SCENARIOS.map((s) => [
      s.id,
      {
        id: s.id,
        number: s.number,
        title: s.title,
        status: s.kind === 'unavailable' ? 'not-yet-available' : 'not-selected',
        ...(s.kind === 'unavailable' ? { reason: s.reason } : {}),
        rows: [],
        figures: {},
        notes: [],
      },
    ]),
  );
  const checks: Check[] = [];
  let fileCounter = 0;
  let created: { database: string; redisPrefix: string } | undefined;

  if (compared.length > 0 || own.length > 0) {
    log('starting Tessera (production profile) and registering fixtures with the CLI…');
    const tessera = await startTessera({ profileDir });
    created = { database: tessera.database, redisPrefix: tessera.redisPrefix };
    const ctx: BenchContext = {
      options,
      tessera,
      load,
      valuesFile(name, values) {
        const file = join(scratchDir(), `${name}-${++fileCounter}.txt`);
        writeFileSync(file, values.join('\n'));
        return file;
      },
      log,
    };

    if (compared.length > 0) {
      log('starting the bare oidc-provider baseline…');
      const baseline = await startBaseline(tessera.fixtures, { profileDir });
      const targets = [baseline, tessera.target];
      const rowsOf = new Map<string, Row[]>();
      const record = (
        placement: 'machine' | 'pinned',
        results: Map<string, Map<string, { runs: Measurement[]; note?: string }>>,
      ) => {
        for (const scenario of compared) {
          const compiled = comparedRows(scenario, placement, results.get(scenario.id));
          if (!compiled) continue;
          rowsOf.set(scenario.id, [...(rowsOf.get(scenario.id) ?? []), ...compiled.rows]);
          checks.push(...compiled.checks);
        }
      };
      if (placement !== 'pinned') record('machine', await interleavedRuns(ctx, compared, targets, tessera));
      if (placement !== 'machine') {
        log(`pinned: servers on CPU ${SERVER_CPU}, the load generator on CPU ${LOADER_CPU} (taskset)…`);
        const unpin = targets.map((target) => pinServer(target.process.pid, SERVER_CPU));
        try {
          const pinnedCtx: BenchContext = {
            ...ctx,
            options: { ...options, runs: options.pinnedRuns },
            load: (target, plan) =>
              load(target, plan, { durationSeconds: options.pinnedDurationSeconds, loaderCpu: LOADER_CPU }),
          };
          record('pinned', await interleavedRuns(pinnedCtx, compared, targets, tessera));
        } finally {
          for (const give of unpin) give();
        }
      }
      for (const scenario of compared) {
        const rows = rowsOf.get(scenario.id);
        const report = reports.get(scenario.id);
        if (!rows || !report) continue;
        // The note says what the requests vary over: the same in both placements.
        const notes = [
          ...new Set(rows.flatMap((row) => (row.target === 'baseline' && row.note ? [row.note] : []))),
        ];
        Object.assign(report, { status: 'measured', rows, notes });
        for (const row of rows)
          if (row.target === 'baseline' && row.summary.errors > 0)
            log(
              `warning: the baseline answered ${row.summary.errors} errors in ${scenario.id} (${row.placement})`,
            );
      }
      await baseline.process.stop();
    }

    for (const scenario of own) {
      log(`${scenario.number} ${scenario.id}…`);
      const result = await scenario.run(ctx);
      const report = reports.get(scenario.id);
      if (report)
        Object.assign(report, {
          status: 'measured',
          rows: result.rows,
          figures: result.figures,
          notes: result.notes,
        });
      checks.push(...result.checks, ...result.rows.map(errorCheck));
    }
  }

  // Report.
  const measuredRows: ReportRow[] = [...reports.values()].flatMap((report) =>
    report.rows.map((row) => ({ ...row, number: report.number })),
  );
  const lines = [header, ''];
  const limits = limitsLine(es256, koa?.summary);
  if (limits) lines.push(limits, '');
  if (measuredRows.length > 0) lines.push(rowsTable(measuredRows), '');
  const notes = [...reports.values()].flatMap((report) =>
    report.notes.map((note) => `${report.number} ${report.id}: ${note}`),
  );
  if (notes.length > 0) lines.push('notes:', ...notes.map((note) => `  ${note}`), '');
  if (checks.length > 0) {
    const missed = checks.filter((c) => !c.pass).length;
    lines.push(
      `targets (issues 6 and 16): ${checks.length - missed} passed, ${missed} missed`,
      ...checks.map((c) => `  ${checkLine(c)}`),
      '',
    );
  }
  const unavailable = [...reports.values()].filter((report) => report.status === 'not-yet-available');
  if (unavailable.length > 0)
    lines.push('not yet available:', ...unavailable.map((r) => `  ${r.number} ${r.title} — ${r.reason}`), '');
  if (options.mode !== 'full')
    lines.push(
      `(${options.mode} mode: one short run and smaller sets; the targets are defined on full runs)`,
      '',
    );
  console.log(lines.join('\n'));

  // Stop the servers now: a --cpu-prof profile is only written when its process exits.
  await cleanUp();
  const profiles = profileDir
    ? readdirSync(profileDir)
        .map((name) => join(profileDir, name))
        .filter((file) => file.endsWith('.cpuprofile') && statSync(file).mtimeMs >= startedAt.getTime())
    : [];

  const result = {
    schema: 'tessera-bench/1',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `node bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    mode: options.mode,
    settings,
    machine,
    // What the run created and deleted again: Tessera's database and Redis key prefix.
    created: created ?? null,
    limits: {
      es256SignaturesPerSecond: es256 ?? null,
      koa: koa ?? null,
    },
    scenarios: [...reports.values()],
    checks,
    passed: checks.every((c) => c.pass),
    profiles: profiles.map((file) => relative(ROOT, file)),
  };
  const out =
    options.out ?? join(ROOT, 'bench/results', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`results: ${relative(process.cwd(), out) || out}`);
  for (const file of profiles) console.log(`\n${formatProfileSummary(summarizeProfile(file, 25))}`);
};

class UsageError extends Error {}

let options: BenchOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
if (options.loader === 'wrk' && !wrkAvailable()) {
  console.error('--loader wrk: wrk is not installed');
  process.exit(2);
}
installSignalHandlers();
try {
  await main(options, options.loader ?? (wrkAvailable() ? 'wrk' : 'autocannon'));
} catch (error) {
  console.error(
    error instanceof UsageError ? error.message : `bench failed: ${(error as Error).stack ?? String(error)}`,
  );
  process.exitCode = error instanceof UsageError ? 2 : 1;
} finally {
  await cleanUp();
}
