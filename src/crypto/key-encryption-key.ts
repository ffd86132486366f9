import { createPepperHash } from './pepper-hash.ts';
import { createSealedBox } from './sealed-box.ts';

/**
 * What seals the signing keys' private parts before they reach the database, and opens them when an
 * instance loads them. Asynchronous, and given the key id as context, so that a cloud KMS (envelope
 * encryption with the KMS's own key) can implement it later without changing its callers.
 *
 * `id` names the key-encryption key in each sealed value, so a value sealed by another key is told
 * apart from a tampered one, and a future re-sealing can find what is left to do.
 */
export type KeyEncryptionKey = {
  readonly id: string;
  /** The sealed form of `plaintext`, bound to `context` (a key id): opening it under another context fails. */
  seal(plaintext: string, context: string): Promise<string>;
  /** The plaintext, or undefined when `sealed` was not sealed by this key for `context`, or was altered. */
  open(sealed: string, context: string): Promise<string | undefined>;
};

/**
 * The key-encryption key from a secret in the environment or a file: AES-256-GCM with a key derived
 * (HMAC-SHA-256, purpose "signing-keys") from that secret. The context is sealed with the plaintext
 * and compared on opening, so a sealed private key copied onto another key's row does not open.
 */
export const createLocalKeyEncryptionKey = (secret: string): KeyEncryptionKey => {
  const box = createSealedBox(secret, 'signing-keys');
  // A short keyed fingerprint, never the secret: tells which secret sealed a value.
  const id = `local:${createPepperHash(secret, 'signing-keys-id').digest('kek').slice(0, 12)}`;
  return {
    id,
    async seal(plaintext, context) {
      return box.seal(JSON.stringify([context, plaintext]));
    },
    async open(sealed, context) {
      const opened = box.open(sealed);
      if (opened === undefined) return undefined;
      try {
        const [sealedContext, plaintext] = JSON.parse(opened) as [unknown, unknown];
        return sealedContext === context && typeof plaintext === 'string' ? plaintext : undefined;
      } catch {
        return undefined;
      }
    },
  };
};
