import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { type LoadResult, type LoadSpec, percentile } from './load-spec.ts';

/**
 * The load generator process: autocannon's programmatic API, so requests can pick a random token
 * or client per request. Protocol with the parent (bench/lib/load.ts), one JSON line each:
 *   → {"type":"ready"} after the warm-up, then waits for a line on stdin, so the parent can read
 *     the server's CPU counters right before the measured window;
 *   → {"type":"result", ...LoadResult} when the measured window is over.
 * Latencies are recorded from every response (autocannon's own histogram rounds to whole ms,
 * too coarse for sub-millisecond endpoints).
 */
const spec = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as LoadSpec;

const values = spec.rotate
  ? readFileSync(spec.rotate.file, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
  : [];
if (spec.rotate && values.length === 0) throw new Error(`no values in ${spec.rotate.file}`);

const pick = () => values[Math.floor(Math.random() * values.length)] as string;

// Unique per generator process (a warm-up and a measured window share it) and per request.
const uniquePrefix = randomBytes(6).toString('hex');
let uniqueCounter = 0;

type Request = autocannon.Request;
const setupRequest = (request: Request): Request => {
  const { rotate, unique } = spec;
  if (unique)
    return { ...request, body: unique.template.replace('{}', `${uniquePrefix}-${++uniqueCounter}`) };
  if (!rotate) return request;
  const value = rotate.template.replace('{}', pick());
  if (rotate.into === 'body') return { ...request, body: value };
  return { ...request, headers: { ...request.headers, authorization: value } };
};

type Window = {
  latencies: Float64Array;
  count: number;
  statusCounts: Record<string, number>;
};

const run = (seconds: number, window: Window | undefined): Promise<autocannon.Result> =>
  new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            method: spec.method,
            path: spec.path,
            headers: spec.headers,
            ...(spec.body === undefined ? {} : { body: spec.body }),
            ...(spec.rotate || spec.unique ? { setupRequest } : {}),
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)),
    );
    if (!window) return;
    instance.on('response', (_client, statusCode: number, _bytes: number, responseTime: number) => {
      if (window.count === window.latencies.length) {
        const grown = new Float64Array(window.latencies.length * 2);
        grown.set(window.latencies);
        window.latencies = grown;
      }
      window.latencies[window.count++] = responseTime;
      const key = String(statusCode);
      window.statusCounts[key] = (window.statusCounts[key] ?? 0) + 1;
    });
  });

const send = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

if (spec.warmupSeconds > 0) await run(spec.warmupSeconds, undefined);
send({ type: 'ready' });
const lines = createInterface({ input: process.stdin });
await new Promise<void>((go) => lines.once('line', () => go()));
lines.close();

const window: Window = { latencies: new Float64Array(1 << 16), count: 0, statusCounts: {} };
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
const result = await run(spec.durationSeconds, window);
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);

const sorted = window.latencies.subarray(0, window.count).sort();
const non2xx = Object.entries(window.statusCounts)
  .filter(([status]) => !status.startsWith('2'))
  .reduce((sum, [, count]) => sum + count, 0);
const round = (value: number) => Math.round(value * 1000) / 1000;
const output: LoadResult = {
  loader: 'autocannon',
  requests: window.count,
  durationSeconds: round(elapsed),
  requestsPerSecond: round(window.count / elapsed),
  latencyMs: {
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    p999: round(percentile(sorted, 99.9)),
    max: round(sorted.length > 0 ? (sorted[sorted.length - 1] as number) : 0),
  },
  statusCounts: window.statusCounts,
  non2xx,
  // autocannon counts timeouts among its errors as well.
  socketErrors: result.errors,
  timeouts: result.timeouts,
  loaderCpuShare: round((cpu.user + cpu.system) / 1e6 / elapsed),
};
send({ type: 'result', ...output });
