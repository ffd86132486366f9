import { createPrivateKey, sign } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { derToP1363 } from '../../src/crypto/ecdsa-signature.ts';
import { createNativeVerifier } from '../../src/oidc/access-token-verifier.ts';

/**
 * CPU per ES256 access token verified, on this thread: jose's jwtVerify (WebCrypto) against the
 * node:crypto verifier introspection uses (src/oidc/access-token-verifier.ts), same token, same
 * options. `node bench/limits/jwt-verify.ts [count]`; pin it with `taskset -c 0` for a per-core figure.
 */
const count = Number(process.argv[2] ?? 20_000);
const issuer = 'https://auth.bench';
const options = {
  issuer,
  typ: 'at+jwt',
  algorithms: ['ES256'],
  requiredClaims: ['jti', 'exp', 'aud', 'client_id', 'sub', 'iat'],
};
const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: issuer,
  jti: 'j',
  client_id: 'c',
  sub: 'c',
  aud: 'https://api',
  iat: now,
  exp: now + 300,
  scope: 'a b',
};
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })}.${b64(claims)}`;
const key = createPrivateKey({ key: await exportJWK(privateKey), format: 'jwk' });
const token = `${input}.${derToP1363(sign('sha256', Buffer.from(input), key), 32).toString('base64url')}`;

const cpu = async (run: () => unknown): Promise<number> => {
  for (let i = 0; i < 500; i += 1) await run();
  const start = process.cpuUsage();
  for (let i = 0; i < count; i += 1) await run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
};

const keys = createLocalJWKSet({ keys: [jwk] });
const native = createNativeVerifier({ keys: [jwk] }, options);
const jose = await cpu(() => jwtVerify(token, keys, options));
const ours = await cpu(() => native(token, now));
console.log(
  `ES256 verify, ${count} tokens: jose jwtVerify ${jose.toFixed(1)} µs CPU each, node:crypto ${ours.toFixed(1)} µs (${(jose / ours).toFixed(2)}×)`,
);
