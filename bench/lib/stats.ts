import type { Measurement } from './load.ts';

/** The figures reported for a row: each the median over its runs; errors are summed, never medianed. */
export type Summary = {
  runs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  serverCpuMsPerRequest: number;
  serverCpuShare: number;
  loaderCpuShare: number;
  machineBusyShare: number;
  stealShare: number;
  serverPreemptionsPerRequest: number;
};

export const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

export const summarize = (runs: Measurement[]): Summary => ({
  runs: runs.length,
  requestsPerSecond: round(median(runs.map((run) => run.requestsPerSecond)), 1),
  p50Ms: round(median(runs.map((run) => run.latencyMs.p50))),
  p99Ms: round(median(runs.map((run) => run.latencyMs.p99))),
  errors: runs.reduce((sum, run) => sum + run.errors, 0),
  serverCpuMsPerRequest: round(median(runs.map((run) => run.serverCpuMsPerRequest)), 4),
  serverCpuShare: round(median(runs.map((run) => run.serverCpuShare))),
  loaderCpuShare: round(median(runs.map((run) => run.loaderCpuShare))),
  machineBusyShare: round(median(runs.map((run) => run.machineBusyShare))),
  stealShare: round(median(runs.map((run) => run.stealShare))),
  serverPreemptionsPerRequest: round(median(runs.map((run) => run.serverPreemptionsPerRequest))),
});

/** 10000 → "10k", 1000000 → "1M": set sizes in labels. */
export const formatCount = (count: number): string =>
  count >= 1_000_000 && count % 1_000_000 === 0
    ? `${count / 1_000_000}M`
    : count >= 1000 && count % 1000 === 0
      ? `${count / 1000}k`
      : String(count);
