/**
 * What the bench asks a load generator to do, and what it gets back. Shared by the parent
 * (bench/lib/load.ts) and the generator processes, which receive the spec as a JSON file.
 */
export type LoadSpec = {
  /** Origin of the server under load, e.g. http://127.0.0.1:4000 */
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * Vary one part of every request: a value picked uniformly at random from `file` (one value per
   * line) replaces `{}` in `template`, which becomes the body or the Authorization header.
   */
  rotate?: { file: string; into: 'body' | 'authorization'; template: string };
  /**
   * A body that must differ on every request (a name unique among active tokens): `{}` in
   * `template` becomes a random prefix of this generator process and a counter. Not combined with
   * `rotate`.
   */
  unique?: { template: string };
  connections: number;
  durationSeconds: number;
  /** Load applied and thrown away before the measured window (JIT, caches, connection set-up). */
  warmupSeconds: number;
};

export type LoadResult = {
  loader: string;
  /** Responses received inside the measured window. */
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  statusCounts: Record<string, number>;
  non2xx: number;
  /** Connection errors and timeouts reported by the generator. */
  socketErrors: number;
  timeouts: number;
  /** CPU time the generator itself used, as a share of one core: near 1 means it was the bottleneck. */
  loaderCpuShare: number;
};

/** Nearest-rank percentile of an ascending array; 0 for an empty one. */
export const percentile = (sorted: Float64Array, p: number): number => {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
};
