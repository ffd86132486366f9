import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.ts';

/**
 * PGlite is single-process and takes no lock of its own: two processes opening one data directory
 * corrupt it. Whoever opens it (the server or a CLI command) first creates `pglite.lock` holding
 * its pid; a lock whose process is gone is stale and taken over.
 */
export const DATA_DIR_IN_USE = 'data_dir_in_use';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export const lockDataDir = (dataDir: string): (() => void) => {
  const path = join(dataDir, 'pglite.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && (holder === process.pid || alive(holder))) {
        throw new AppError(
          'storage_unavailable',
          `the embedded database in ${dataDir} is in use by process ${holder} (a running Tessera server or CLI command); if no such process runs, delete ${path}`,
          { cause: DATA_DIR_IN_USE },
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new AppError('storage_unavailable', `could not lock the embedded database in ${dataDir}`);
};

export const isDataDirInUse = (error: unknown): boolean =>
  error instanceof AppError && error.cause === DATA_DIR_IN_USE;
