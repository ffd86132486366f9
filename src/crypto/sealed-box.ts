import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { deriveKey } from './pepper-hash.ts';

/**
 * Authenticated encryption (AES-256-GCM) for the few stored values that must be read back, such as
 * the session id an interaction refers to. Hashing is preferred everywhere a lookup is enough.
 */
export type SealedBox = {
  seal(plaintext: string): string;
  /** Returns undefined when the box was not sealed with this pepper or was tampered with. */
  open(sealed: string): string | undefined;
};

export const createSealedBox = (pepper: string, purpose: string): SealedBox => {
  const key = createSecretKey(deriveKey(pepper, purpose));
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length < 28) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
};
