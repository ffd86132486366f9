import type { PepperHash } from '../../crypto/pepper-hash.ts';
import type { Client } from './client.ts';
import { randomToken } from '../../crypto/random.ts';

/**
 * Client secrets are 256 random bits behind a recognisable prefix, so secret scanners can find a
 * leaked one. Only HMAC-SHA-256(pepper, secret) is stored: a secret is high-entropy, so a keyed
 * fast hash is as safe as a slow password hash and keeps the token endpoint fast.
 */
export const CLIENT_SECRET_PREFIX = 'tsr_cs_';
export const CLIENT_SECRET_HASH_PURPOSE = 'client-secret';

export const generateClientSecret = (): string => `${CLIENT_SECRET_PREFIX}${randomToken(32)}`;

export const generateClientId = (): string => `cl_${randomToken(16)}`;

/**
 * Whether `secret` is one of the client's secrets now: the current one, or the one it replaced
 * while that one's overlap lasts (a rotation with --keep-old-for). The token endpoint's fast lane
 * and oidc-provider's own client authentication both decide with this.
 */
export const matchesClientSecret = (
  client: Pick<Client, 'secretHash' | 'previousSecretHash' | 'previousSecretExpiresAt'>,
  secret: string,
  secretHash: PepperHash,
  now: number = Date.now(),
): boolean => {
  if (client.secretHash && secretHash.matches(secret, client.secretHash)) return true;
  return (
    client.previousSecretHash !== null &&
    client.previousSecretExpiresAt !== null &&
    client.previousSecretExpiresAt.getTime() > now &&
    secretHash.matches(secret, client.previousSecretHash)
  );
};
