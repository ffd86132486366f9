import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement } from '../lib/load.ts';
import { scratchDir } from '../lib/load.ts';
import { mintTokens } from '../lib/mint.ts';
import { runScript } from '../lib/processes.ts';
import { summarize } from '../lib/stats.ts';
import { JWT_API, JWT_SCOPE, type TargetName } from '../lib/targets.ts';
import type { VerifyRun, VerifySpec } from '../verify/verify-loop.ts';
import { check, type Row, type TesseraOnlyScenario } from './scenario.ts';

/**
 * Scenario 6: a relying party verifying a real Tessera JWT (ES256, from /token) in-process with
 * `@tessera/verify`, per core, against jose's bare `jwtVerify` with the same key imported locally —
 * both in one separate process (bench/verify/verify-loop.ts), interleaved run by run. The server
 * is idle meanwhile: after the warm-up the verifier has the JWKS cached and makes no calls.
 * Target: @tessera/verify ≥ 0.8× jose.
 */
const LABELS: Record<VerifyRun['variant'], { label: string; target: TargetName }> = {
  'tessera-verify': { label: '@tessera/verify: verify(JWT), one core', target: 'tessera' },
  jose: { label: 'jose jwtVerify, ES256, local key, one core', target: 'jose' },
};

/** A verify run in the shape of a load run: "requests" are verifications, the "server" is the loop. */
const asMeasurement = (run: VerifyRun): Measurement => ({
  loader: 'in-process',
  requests: run.verifications,
  durationSeconds: run.seconds,
  requestsPerSecond: Math.round((run.verifications / run.seconds) * 1000) / 1000,
  latencyMs: { p50: run.p50Ms, p90: run.p50Ms, p99: run.p99Ms, p999: run.p99Ms, max: run.maxMs },
  statusCounts: {},
  non2xx: run.failures,
  socketErrors: 0,
  timeouts: 0,
  loaderCpuShare: 0,
  serverCpuMsPerRequest: run.verifications > 0 ? run.cpuMs / run.verifications : 0,
  serverCpuShare: run.cpuMs / 1000 / run.seconds,
  // In-process loops, one at a time: the machine's share and preemptions are not measured.
  machineBusyShare: -1,
  stealShare: -1,
  serverPreemptionsPerRequest: -1,
  errors: run.failures,
});

export const verify: TesseraOnlyScenario = {
  kind: 'tessera-only',
  id: 'verify',
  number: 6,
  title: 'relying-party verification of a JWT with @tessera/verify (in-process, per core)',
  async run(ctx) {
    const { tessera, options } = ctx;
    const [token] = await mintTokens(
      tessera.target.url,
      tessera.fixtures.service,
      { resource: JWT_API, scope: JWT_SCOPE },
      1,
    );
    const spec: VerifySpec = {
      issuer: tessera.target.url,
      audience: JWT_API,
      token: token as string,
      runs: options.runs,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
    };
    const budget = (options.warmupSeconds + options.runs * options.durationSeconds) * 2;
    const ttl = tessera.fixtures.apis.find((api) => api.identifier === JWT_API)?.accessTokenTtl ?? 0;
    // The token must outlive every run, or the later ones would time failures.
    if (budget + 30 > ttl)
      throw new Error(`scenario 6 needs ${budget} s, longer than the JWT's ${ttl} s lifetime`);
    const file = join(scratchDir(), 'verify-spec.json');
    writeFileSync(file, JSON.stringify(spec));
    ctx.log(`  verifying a Tessera JWT in-process, ${options.runs} × ${options.durationSeconds} s each way…`);
    const output = await runScript('verify-loop', ['bench/verify/verify-loop.ts', file]);
    const line = output.split('\n').find((candidate) => candidate.startsWith('{"type":"result"'));
    if (!line) throw new Error(`verify-loop printed no result:\n${output}`);
    const { runs } = JSON.parse(line) as { runs: VerifyRun[] };

    const rows: Row[] = (['tessera-verify', 'jose'] as const).map((variant) => {
      const measured = runs.filter((run) => run.variant === variant).map(asMeasurement);
      return {
        scenario: 'verify',
        label: LABELS[variant].label,
        target: LABELS[variant].target,
        summary: summarize(measured),
        runs: measured,
        note: 'verifications/s of one token back to back on one thread; CPU is the loop process’s',
      };
    });
    const [ours, jose] = rows as [Row, Row];
    const ratio = ours.summary.requestsPerSecond / jose.summary.requestsPerSecond;
    return {
      rows,
      figures: { verifyOverJose: Math.round(ratio * 1000) / 1000 },
      checks: [check('verify', '6 @tessera/verify vs jose raw ES256 verify', ratio, 'at-least', 0.8, '×')],
      notes: [
        `@tessera/verify ${ratio.toFixed(2)}× jose's raw jwtVerify (same token, same key, same process, interleaved)`,
      ],
    };
  },
};
