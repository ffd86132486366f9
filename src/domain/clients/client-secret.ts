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
