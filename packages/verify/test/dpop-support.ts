import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/**
 * A DPoP client's key and the proofs it signs (RFC 9449 §4.2), made with jose, so each test can
 * bend one part of a proof and see it refused.
 */
export type ClientKey = { alg: string; privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK; jkt: string };

export const clientKey = async (alg = 'ES256'): Promise<ClientKey> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, publicKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
};

export const ath = (token: string): string => createHash('sha256').update(token).digest('base64url');

export type ProofParts = {
  token: string;
  htu: string;
  htm?: string;
  /** Epoch ms the proof is made at. */
  now: number;
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
};

export const makeProof = (key: ClientKey, parts: ProofParts): Promise<string> =>
  new SignJWT({
    htm: parts.htm ?? 'GET',
    htu: parts.htu,
    ath: ath(parts.token),
    iat: Math.floor(parts.now / 1000),
    jti: randomUUID(),
    ...parts.claims,
  })
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.jwk, ...parts.header })
    .sign(key.privateKey);
