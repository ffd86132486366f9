import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { formatStoredJwks, keysUnavailable, parseStoredJwks } from './stored-jwks.ts';
import type { SigningKey } from './signing-key.ts';

/**
 * The private JWKS on disk. Writes are atomic (a temporary file in the same directory, then a
 * rename) so a server watching the file never reads half a key set, and the file is created 0600
 * in a 0700 directory because it holds private keys.
 */
export const KEY_FILE_NAME = 'jwks.json';

export const keyFilePath = (keysDir: string): string => join(keysDir, KEY_FILE_NAME);

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** The keys in `<keysDir>/jwks.json`, or undefined when there is no such file yet. */
export const readKeyFile = async (keysDir: string): Promise<SigningKey[] | undefined> => {
  const path = keyFilePath(keysDir);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw keysUnavailable(`cannot read the signing keys file ${path}: ${(error as Error).message}`, error);
  }
  try {
    // Checked on the open handle, not the path, so the file read is the file checked.
    const stats = await handle.stat();
    if (!stats.isFile()) throw keysUnavailable(`the signing keys file ${path} is not a regular file`);
    // Windows has no POSIX mode bits to check.
    if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
      throw keysUnavailable(
        `the signing keys file ${path} has mode ${octal(stats.mode)}, so other users can read the private keys; ` +
          `make it readable by Tessera's user only: chmod 600 ${path}`,
      );
    }
    const text = await handle.readFile('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      // Only the position: V8's message may quote the text around it, which here is private key material.
      const where = /at position \d+(?: \(line \d+ column \d+\))?/.exec((error as Error).message)?.[0];
      throw keysUnavailable(`the signing keys file ${path} is not valid JSON${where ? ` ${where}` : ''}`);
    }
    return parseStoredJwks(value, path);
  } finally {
    await handle.close();
  }
};

/** Replaces `<keysDir>/jwks.json` with `keys` in one atomic step, creating the directory if needed. */
export const writeKeyFile = async (keysDir: string, keys: readonly SigningKey[]): Promise<void> => {
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const path = keyFilePath(keysDir);
  // The same directory as the target, so the rename never crosses file systems and stays atomic.
  const temporary = join(keysDir, `.${KEY_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      // The umask can only narrow the mode given to open; chmod makes it exactly 0600 regardless.
      await handle.chmod(0o600);
      await handle.writeFile(`${JSON.stringify(formatStoredJwks(keys), null, 2)}\n`, 'utf8');
      // Flushed before the rename, so a crash cannot leave a renamed but empty key file.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw keysUnavailable(`cannot write the signing keys file ${path}: ${(error as Error).message}`, error);
  }
};
