import { randomBytes } from 'node:crypto';
import { argon2id, argon2Verify } from 'hash-wasm';

/**
 * Human passwords are low-entropy, so unlike tokens they get a slow, memory-hard hash: argon2id
 * with OWASP's baseline (19 MiB, 2 iterations, 1 lane). hash-wasm runs it in WebAssembly: no
 * native build step, no install script.
 */
export const hashPassword = (password: string): Promise<string> =>
  argon2id({
    password,
    salt: randomBytes(16),
    parallelism: 1,
    iterations: 2,
    memorySize: 19_456,
    hashLength: 32,
    outputType: 'encoded',
  });

export const verifyPassword = async (password: string, encodedHash: string): Promise<boolean> => {
  try {
    return await argon2Verify({ password, hash: encodedHash });
  } catch {
    return false;
  }
};

/** A hash to verify against when the user does not exist, so both cases take the same time. */
export const DECOY_PASSWORD_HASH = await hashPassword(randomBytes(16).toString('hex'));

export const MIN_PASSWORD_LENGTH = 12;
