import { createHash } from 'node:crypto';

/** The members RFC 7638 hashes, per key type, in the lexicographic order the RFC requires. */
const THUMBPRINT_MEMBERS = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
} as const;

/**
 * The RFC 7638 SHA-256 thumbprint, used as `kid`. Synchronous (unlike jose's) so that a JWKS from
 * the environment can be validated while the configuration is read.
 */
export const jwkThumbprint = (
  jwk: { kty: keyof typeof THUMBPRINT_MEMBERS } & Record<string, unknown>,
): string => {
  const members = Object.fromEntries(THUMBPRINT_MEMBERS[jwk.kty].map((member) => [member, jwk[member]]));
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
};
