import { generateKeyPairSync, sign } from 'node:crypto';
import { derToP1363 } from '../../src/crypto/ecdsa-signature.ts';

/**
 * Per-core limit of what a JWT access token costs at the very least: ES256 signatures per second
 * with node:crypto, on one thread, for argv[2] seconds (default 2) — the way Tessera signs (the
 * `KeyObject` alone, DER turned into JWS's r ‖ s by src/crypto/ecdsa-signature.ts), and for
 * comparison with node's own conversion (`{ key, dsaEncoding: 'ieee-p1363' }`), half as fast on
 * Node 24. The input has the size of a typical RFC 9068 header + payload. Prints
 * {"signaturesPerSecond": …, "withDsaEncodingOption": …}.
 */
const seconds = Number(process.argv[2] ?? 2);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const input = Buffer.from('e'.repeat(330));
const options = { key: privateKey, dsaEncoding: 'ieee-p1363' as const };

const perSecond = (signOnce: () => unknown, forSeconds: number): number => {
  // A short warm-up so the first timed call does not pay for lazy initialisation.
  for (let i = 0; i < 200; i++) signOnce();
  let count = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(forSeconds * 1e9));
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < 100; i++) signOnce();
    count += 100;
    now = process.hrtime.bigint();
  }
  return Math.round(count / (Number(now - started) / 1e9));
};

const signaturesPerSecond = perSecond(() => derToP1363(sign('sha256', input, privateKey), 32), seconds);
const withDsaEncodingOption = perSecond(() => sign('sha256', input, options), seconds / 2);
console.log(JSON.stringify({ signaturesPerSecond, withDsaEncodingOption, seconds }));
