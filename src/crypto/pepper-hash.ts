import { createHmac, createSecretKey, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Keyed hashing of high-entropy secrets (token ids, client secrets) with the server pepper.
 * A dump of the database or Redis then holds nothing usable: the HMAC cannot be reversed, and
 * without the pepper it cannot even be checked against a guess. Each purpose gets its own subkey
 * (HKDF) so a hash made for one use never matches in another.
 */
export type PepperHash = {
  /** base64url HMAC-SHA-256 of `value` under this purpose's subkey. */
  digest(value: string): string;
  /** Constant-time comparison of `digest(value)` with a stored digest. */
  matches(value: string, storedDigest: string): boolean;
};

export const deriveKey = (pepper: string, purpose: string, length = 32): Buffer =>
  Buffer.from(hkdfSync('sha256', pepper, Buffer.alloc(0), `tessera:${purpose}`, length));

export const createPepperHash = (pepper: string, purpose: string): PepperHash => {
  // A KeyObject, made once: given a Buffer, createHmac builds a new key object on every call, which
  // cost the token endpoint ~10 µs per hash (see bench/README.md).
  const key = createSecretKey(deriveKey(pepper, purpose));
  const digest = (value: string): string => createHmac('sha256', key).update(value).digest('base64url');
  return {
    digest,
    matches(value, storedDigest) {
      const actual = Buffer.from(digest(value));
      const expected = Buffer.from(storedDigest);
      // Lengths of two base64url SHA-256 digests are equal; a stored value of another length is corrupt.
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
};
