import { parseArgs } from 'node:util';
import type { Loader } from './load.ts';

/**
 * Command-line options of `npm run bench -- …`. Three presets:
 *   full (default)  3 runs of 10 s per scenario and target (after 3 s of warm-up), medians;
 *                   scale: 10 thousand vs 1 million tokens, 10 vs 100 thousand clients,
 *                   Redis bytes over 10 thousand PATs.
 *   --quick         one run of 3 s each and smaller scale sets: a few minutes, a smoke run.
 *   --smoke         one run of 1 s, no warm-up, tiny sets: for the harness's own test.
 * Every number can be overridden.
 */
export type Mode = 'full' | 'quick' | 'smoke';

/**
 * Where the compared scenarios (1–3) run: `machine` unpinned (the whole machine's figures),
 * `pinned` the server on one CPU and the load generator on the other (per-core figures, issue 16),
 * `both` one after the other. Default: both where `taskset` and two CPUs are available.
 */
export type Placement = 'machine' | 'pinned' | 'both';

export type BenchOptions = {
  mode: Mode;
  runs: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Live opaque tokens: the small and the large case of scenario 8. */
  scaleTokens: [number, number];
  /** Registered clients: the small and the large case of scenario 8. */
  scaleClients: [number, number];
  /** Distinct tokens a scenario-3 run rotates over (the baseline's memory adapter keeps 1000 entries). */
  introspectionTokens: number;
  /** PATs whose Redis entries are measured (scenario 8, memory per PAT). */
  patMemoryTokens: number;
  es256Seconds: number;
  /** Undefined: both when the machine can pin, else machine (decided in run.ts). */
  placement: Placement | undefined;
  /** Runs and measured seconds per run of the pinned placement: medians of short runs. */
  pinnedRuns: number;
  pinnedDurationSeconds: number;
  /** Scenario ids (or numbers) to run; empty: all. */
  scenarios: string[];
  profile: boolean;
  loader: Loader | undefined;
  out: string | undefined;
  help: boolean;
};

const PRESETS: Record<
  Mode,
  Omit<BenchOptions, 'mode' | 'scenarios' | 'profile' | 'loader' | 'out' | 'help' | 'placement'>
> = {
  full: {
    runs: 3,
    durationSeconds: 10,
    warmupSeconds: 3,
    connections: 20,
    scaleTokens: [10_000, 1_000_000],
    scaleClients: [10_000, 100_000],
    introspectionTokens: 500,
    patMemoryTokens: 10_000,
    es256Seconds: 2,
    pinnedRuns: 3,
    pinnedDurationSeconds: 5,
  },
  quick: {
    runs: 1,
    durationSeconds: 3,
    warmupSeconds: 1,
    connections: 20,
    scaleTokens: [10_000, 100_000],
    scaleClients: [1_000, 10_000],
    introspectionTokens: 500,
    patMemoryTokens: 1_000,
    es256Seconds: 1,
    pinnedRuns: 3,
    pinnedDurationSeconds: 3,
  },
  smoke: {
    runs: 1,
    durationSeconds: 1,
    warmupSeconds: 0,
    connections: 4,
    scaleTokens: [100, 500],
    scaleClients: [50, 200],
    introspectionTokens: 50,
    patMemoryTokens: 50,
    es256Seconds: 0.5,
    pinnedRuns: 1,
    pinnedDurationSeconds: 1,
  },
};

export const USAGE = `Usage: npm run bench -- [options]
  --quick                 a few minutes: one short run per scenario, smaller scale sets
  --smoke                 seconds: one 1 s run, tiny sets (the harness's own test)
  --scenario <ids>        comma-separated ids or numbers (repeatable), e.g. 1,3 or scale-clients
  --runs <n>              runs per scenario and target (medians are reported)
  --duration <s>          measured seconds per run
  --warmup <s>            warm-up seconds before each run
  --connections <n>       concurrent connections of the load generator
  --scale-tokens <a,b>    live opaque tokens, small and large case (default 10000,1000000)
  --scale-clients <a,b>   registered clients, small and large case (default 10000,100000)
  --pat-memory <n>        PATs whose Redis entries are measured (default 10000)
  --placement <where>     scenarios 1–3: machine (unpinned), pinned (server on CPU 0, load generator
                          on CPU 1, taskset) or both (default when taskset and 2 CPUs are present)
  --pinned-runs <n>       runs of the pinned placement (default 3; medians)
  --pinned-duration <s>   measured seconds per pinned run (default 5; --quick 3)
  --loader <name>         autocannon or wrk (default: wrk when installed, else autocannon)
  --profile               run Tessera and the baseline with --cpu-prof into bench/results/profiles
  --out <file>            where to write the JSON (default bench/results/<timestamp>.json)
  -h, --help`;

const pair = (value: string, name: string): [number, number] => {
  const numbers = value.split(',').map(Number);
  if (numbers.length !== 2 || numbers.some((n) => !Number.isInteger(n) || n < 1) || numbers[0]! > numbers[1]!)
    throw new Error(`${name} must be two whole numbers, small,large`);
  return [numbers[0]!, numbers[1]!];
};

const positive = (value: string | undefined, name: string, integer: boolean): number | undefined => {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!(number >= 0) || (integer && !Number.isInteger(number))) throw new Error(`${name} must be a number`);
  return number;
};

export const parseOptions = (argv: string[]): BenchOptions => {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true, default: [] },
      runs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'scale-tokens': { type: 'string' },
      'scale-clients': { type: 'string' },
      'pat-memory': { type: 'string' },
      loader: { type: 'string' },
      placement: { type: 'string' },
      'pinned-runs': { type: 'string' },
      'pinned-duration': { type: 'string' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const mode: Mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
  const preset = PRESETS[mode];
  if (values.loader !== undefined && values.loader !== 'autocannon' && values.loader !== 'wrk')
    throw new Error('--loader must be autocannon or wrk');
  if (values.placement !== undefined && !['machine', 'pinned', 'both'].includes(values.placement))
    throw new Error('--placement must be machine, pinned or both');
  return {
    ...preset,
    mode,
    runs: positive(values.runs, '--runs', true) ?? preset.runs,
    durationSeconds: positive(values.duration, '--duration', false) ?? preset.durationSeconds,
    warmupSeconds: positive(values.warmup, '--warmup', false) ?? preset.warmupSeconds,
    connections: positive(values.connections, '--connections', true) ?? preset.connections,
    scaleTokens: values['scale-tokens'] ? pair(values['scale-tokens'], '--scale-tokens') : preset.scaleTokens,
    scaleClients: values['scale-clients']
      ? pair(values['scale-clients'], '--scale-clients')
      : preset.scaleClients,
    patMemoryTokens: Math.max(
      1,
      positive(values['pat-memory'], '--pat-memory', true) ?? preset.patMemoryTokens,
    ),
    placement: values.placement as Placement | undefined,
    pinnedRuns: Math.max(1, positive(values['pinned-runs'], '--pinned-runs', true) ?? preset.pinnedRuns),
    pinnedDurationSeconds:
      positive(values['pinned-duration'], '--pinned-duration', false) ?? preset.pinnedDurationSeconds,
    scenarios: values.scenario.flatMap((value) => value.split(',')).filter(Boolean),
    profile: values.profile,
    loader: values.loader as Loader | undefined,
    out: values.out,
    help: values.help,
  };
};
