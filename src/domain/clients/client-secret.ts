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

type SecretHolder = Pick<Client, 'secretHash' | 'previousSecretHash' | 'previousSecretExpiresAt'>;

/**
 * Which of the client's secrets `secret` is now: the current one, or the one it replaced while
 * that one's overlap lasts (a rotation with --keep-old-for); undefined for neither. The token
 * endpoint's fast lane and oidc-provider's own client authentication both decide with this.
 */
export const presentedClientSecret = (
  client: SecretHolder,
  secret: string,
  secretHash: PepperHash,
  now: number = Date.now(),
): 'current' | 'previous' | undefined => {
  if (client.secretHash && secretHash.matches(secret, client.secretHash)) return 'current';
  const { previousSecretHash, previousSecretExpiresAt } = client;
  if (!previousSecretHash || !previousSecretExpiresAt || previousSecretExpiresAt.getTime() <= now)
    return undefined;
  return secretHash.matches(secret, previousSecretHash) ? 'previous' : undefined;
};

export const matchesClientSecret = (
  client: SecretHolder,
  secret: string,
  secretHash: PepperHash,
  now: number = Date.now(),
): boolean => presentedClientSecret(client, secret, secretHash, now) !== undefined;
