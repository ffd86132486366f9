import { randomBytes } from 'node:crypto';

/** A URL-safe random string carrying `bytes` bytes of entropy (32 bytes = 256 bits by default). */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');
