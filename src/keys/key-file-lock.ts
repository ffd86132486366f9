import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { conflict } from '../errors.ts';
import { keyFilePath } from './key-file.ts';

/**
 * A lock file around every read-modify-write of the key file, so two `tessera keys` commands (or
 * two instances generating keys at first start) cannot each write their own version and lose the
 * other's key. O_EXCL creation is atomic on local disks and on NFSv3+ shared volumes.
 *
 * Staleness is judged on the lock file's age by the real clock (not an injected one), because it
 * is compared with the file system's own timestamps. A lock older than `staleAfterMs` was left by a
 * crashed process and is taken over.
 */
export type KeyFileLockOptions = { staleAfterMs?: number; waitMs?: number };

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

export const keyFileLockPath = (keysDir: string): string => `${keyFilePath(keysDir)}.lock`;

const tryCreate = async (path: string, token: string): Promise<boolean> => {
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(token, 'utf8');
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
};

const ageMs = async (path: string): Promise<number | undefined> => {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
};

/** Runs `work` while holding `<keysDir>/jwks.json.lock`; waits for another holder up to `waitMs`. */
export const withKeyFileLock = async <T>(
  keysDir: string,
  work: () => Promise<T>,
  options: KeyFileLockOptions = {},
): Promise<T> => {
  const { staleAfterMs = 30_000, waitMs = 10_000 } = options;
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const path = keyFileLockPath(keysDir);
  // The holder's identity, so release never deletes a lock that a later process took over.
  const token = `${process.pid} ${new Date().toISOString()} ${randomBytes(8).toString('hex')}\n`;
  const deadline = Date.now() + waitMs;

  while (!(await tryCreate(path, token))) {
    const age = await ageMs(path);
    if (age === undefined) continue; // released between our attempt and the stat: try again at once
    if (age > staleAfterMs) {
      await unlink(path).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
      continue;
    }
    if (Date.now() >= deadline) {
      throw conflict(
        `another process is changing the signing keys (${path} exists); retry, or remove that file if no tessera keys command is running`,
      );
    }
    // Jitter, so two waiting processes do not retry in lockstep.
    await delay(20 + Math.floor(Math.random() * 30));
  }

  try {
    return await work();
  } finally {
    const holder = await readFile(path, 'utf8').catch(() => undefined);
    if (holder === token) await unlink(path).catch(() => undefined);
  }
};
