import { generateKeyPairSync, sign } from 'node:crypto';

/**
 * Per-core limit of what a JWT access token costs at the very least: ES256 signatures per second
 * with node:crypto, on one thread, for argv[2] seconds (default 2). The input has the size of a
 * typical RFC 9068 header + payload. Prints {"signaturesPerSecond": …}.
 */
const seconds = Number(process.argv[2] ?? 2);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const input = Buffer.from('e'.repeat(330));
const key = { key: privateKey, dsaEncoding: 'ieee-p1363' as const };

// A short warm-up so the first timed call does not pay for lazy initialisation.
for (let i = 0; i < 200; i++) sign('sha256', input, key);

let count = 0;
const started = process.hrtime.bigint();
const deadline = started + BigInt(Math.round(seconds * 1e9));
let now = started;
while (now < deadline) {
  for (let i = 0; i < 100; i++) sign('sha256', input, key);
  count += 100;
  now = process.hrtime.bigint();
}
const elapsed = Number(now - started) / 1e9;
console.log(JSON.stringify({ signaturesPerSecond: Math.round(count / elapsed), seconds: elapsed }));
