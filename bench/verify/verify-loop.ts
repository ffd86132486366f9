import { readFileSync } from 'node:fs';
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { percentile } from '../load/load-spec.ts';
import { createVerifier } from '@tessera/verify';

/**
 * Scenario 6, in its own process (one core, one thread): a relying party verifying a real Tessera
 * JWT in-process, back to back, with `@tessera/verify` (`createVerifier().verify`: every check it
 * makes, keys from the issuer's JWKS, fetched once and cached) and with jose's bare `jwtVerify`
 * of the same token with the same public key imported locally (the ES256 signature check and
 * little else: the per-core ceiling). Warm-up first (JIT, the JWKS fetch), then runs of each,
 * the order reversed every other run. Prints one JSON line with every run.
 */
export type VerifySpec = {
  issuer: string;
  audience: string;
  token: string;
  runs: number;
  durationSeconds: number;
  warmupSeconds: number;
};

export type VerifyRun = {
  variant: 'tessera-verify' | 'jose';
  verifications: number;
  failures: number;
  seconds: number;
  cpuMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
};

const spec = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as VerifySpec;

const verifier = createVerifier({ issuer: spec.issuer, audience: spec.audience });

const jwks = (await (await fetch(`${spec.issuer}/jwks`)).json()) as { keys: JWK[] };
const { kid } = decodeProtectedHeader(spec.token);
const jwk = jwks.keys.find((key) => key.kid === kid);
if (!jwk) throw new Error(`the issuer's JWKS has no key ${kid}`);
const localKey = await importJWK(jwk, 'ES256');

const variants = {
  'tessera-verify': async () => {
    await verifier.verify(spec.token);
  },
  jose: async () => {
    await jwtVerify(spec.token, localKey, { algorithms: ['ES256'] });
  },
} as const;

const measure = async (variant: keyof typeof variants, seconds: number): Promise<VerifyRun> => {
  const verify = variants[variant];
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let failures = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let now = started;
  while (now < deadline) {
    try {
      await verify();
    } catch {
      failures += 1;
    }
    const after = performance.now();
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = after - now;
    now = after;
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = latencies.subarray(0, count).sort();
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    variant,
    verifications: count,
    failures,
    seconds: round(elapsed),
    cpuMs: round((cpu.user + cpu.system) / 1000),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(count > 0 ? (sorted[count - 1] as number) : 0),
  };
};

// The token must verify both ways before anything is timed.
await variants['tessera-verify']();
await variants.jose();

for (const variant of Object.keys(variants) as (keyof typeof variants)[])
  if (spec.warmupSeconds > 0) await measure(variant, spec.warmupSeconds);

const runs: VerifyRun[] = [];
const order = Object.keys(variants) as (keyof typeof variants)[];
for (let run = 0; run < spec.runs; run++) {
  for (const variant of run % 2 === 0 ? order : [...order].reverse())
    runs.push(await measure(variant, spec.durationSeconds));
}
process.stdout.write(`${JSON.stringify({ type: 'result', runs })}\n`);
