import { generateKeyPair, type KeyObject } from 'node:crypto';
import { jwkThumbprint } from './jwk-thumbprint.ts';
import type { PrivateSigningJwk, SigningAlg, SigningKey } from './signing-key.ts';

const RSA_MODULUS_BITS = 2048;

const generatePrivateKey = (alg: SigningAlg): Promise<KeyObject> =>
  new Promise((resolve, reject) => {
    const done = (error: Error | null, _publicKey: KeyObject, privateKey: KeyObject) =>
      error ? reject(error) : resolve(privateKey);
    if (alg === 'ES256') generateKeyPair('ec', { namedCurve: 'P-256' }, done);
    else if (alg === 'RS256') generateKeyPair('rsa', { modulusLength: RSA_MODULUS_BITS }, done);
    else generateKeyPair('ed25519', {}, done);
  });

/** A new private signing key for `alg`; it signs from `activatesAt` (default: at once). */
export const generateSigningKey = async (
  alg: SigningAlg,
  times: { now: number; activatesAt?: number },
): Promise<SigningKey> => {
  const exported = (await generatePrivateKey(alg)).export({ format: 'jwk' });
  const jwk = exported as Omit<PrivateSigningJwk, 'kid' | 'alg' | 'use'>;
  const kid = jwkThumbprint(jwk);
  return {
    kid,
    alg,
    createdAt: times.now,
    activatesAt: times.activatesAt ?? times.now,
    jwk: { ...jwk, kid, alg, use: 'sig' },
  };
};
