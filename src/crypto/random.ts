import { randomBytes, randomFillSync } from 'node:crypto';

/** A URL-safe random string carrying `bytes` bytes of entropy (32 bytes = 256 bits by default). */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

const ID_BYTES = 32;
const pool = Buffer.allocUnsafe(ID_BYTES * 256);
let offset = pool.length;

/**
 * `randomToken()` for hot paths (a JWT's jti per token): the same 256 bits as 43 URL-safe
 * characters, drawn from a pool refilled 8 KiB at a time — one call into OpenSSL per 256 ids, as
 * oidc-provider's own nanoid does. Every byte is used once.
 */
export const pooledRandomToken = (): string => {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
};
