import type { LoadSpec } from '../load/load-spec.ts';
import type { Measurement } from '../lib/load.ts';
import type { BenchOptions } from '../lib/options.ts';
import type { Summary } from '../lib/stats.ts';
import type { Fixtures, Target, TargetName, TesseraSetup } from '../lib/targets.ts';

/**
 * A scenario module is one of three kinds:
 * - `compared`: the same requests against Tessera and the baseline, interleaved run by run
 *   (scenarios 1–3); the harness computes the ratios and the 1.0× / 1.2× targets;
 * - `tessera-only`: drives its own runs and returns rows, figures and checks (scenarios 4–9);
 * - `unavailable`: listed as "not yet available" with the reason, for a feature that has not
 *   landed yet (none at the moment).
 * A new scenario is a new module added to index.ts.
 */
export type LoadPlan = Pick<LoadSpec, 'method' | 'path' | 'headers' | 'body' | 'rotate' | 'unique'> & {
  /** What the request varies over, for the output ("500 tokens, random per request"). */
  note?: string;
};

export type Row = {
  scenario: string;
  label: string;
  target: TargetName;
  summary: Summary;
  runs: Measurement[];
  note?: string;
  /** Compared scenarios: unpinned (whole machine) or pinned (server and load generator one CPU each). */
  placement?: 'machine' | 'pinned';
  /** Tessera ÷ baseline of the medians, for compared scenarios. */
  vsBaseline?: { requestsPerSecond: number; p99: number; cpuPerRequest: number };
};

export type Check = {
  scenario: string;
  name: string;
  value: number;
  limit: number;
  comparison: 'at-least' | 'at-most';
  unit: '×' | 'B' | 'errors';
  pass: boolean;
  /** Relative headroom to the limit: positive passes, negative says by how much it missed. */
  margin: number;
};

export const check = (
  scenario: string,
  name: string,
  value: number,
  comparison: Check['comparison'],
  limit: number,
  unit: Check['unit'],
): Check => {
  const pass = comparison === 'at-least' ? value >= limit : value <= limit;
  const margin =
    limit === 0
      ? pass
        ? 0
        : -1
      : comparison === 'at-least'
        ? (value - limit) / limit
        : (limit - value) / limit;
  return { scenario, name, value, limit, comparison, unit, pass, margin };
};

export type BenchContext = {
  options: BenchOptions;
  tessera: TesseraSetup;
  /** Applies the options' connections, duration and warm-up; returns one measured run. */
  load(target: Target, plan: LoadPlan): Promise<Measurement>;
  /** Writes values (one per line) to a scratch file for a rotating load. */
  valuesFile(name: string, values: string[]): string;
  log(message: string): void;
};

type Base = { id: string; number: number; title: string };

export type ComparedScenario = Base & {
  kind: 'compared';
  /** Tessera's requests/s ÷ the baseline's that the pinned placement must reach (issue 16). */
  pinnedTarget: number;
  /** The load for one target; may prepare state (mint tokens) first. Called before every run. */
  plan(ctx: BenchContext, target: Target, fixtures: Fixtures): Promise<LoadPlan>;
};

export type TesseraOnlyResult = {
  rows: Row[];
  figures: Record<string, number>;
  checks: Check[];
  notes: string[];
};

export type TesseraOnlyScenario = Base & {
  kind: 'tessera-only';
  run(ctx: BenchContext): Promise<TesseraOnlyResult>;
};

export type UnavailableScenario = Base & { kind: 'unavailable'; reason: string };

export type Scenario = ComparedScenario | TesseraOnlyScenario | UnavailableScenario;
