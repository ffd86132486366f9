import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.ts';
import type { Config } from './load-config.ts';

export type Secrets = { pepper: string; cookieKeys: string[] };

/**
 * The pepper and cookie keys. The production profile must be given both (load-config refuses to
 * start without them). The embedded profile generates them once into `<dataDir>/secrets.json`
 * (mode 0600) so a laptop install needs no setup and a restart keeps every token and hash valid.
 */
const readStored = (file: string): Secrets | undefined => {
  let stored: Secrets;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AppError('config_invalid', `${file} is unreadable or corrupt; restore it from a backup`, {
      cause: error,
    });
  }
  if (typeof stored?.pepper !== 'string' || !Array.isArray(stored.cookieKeys)) {
    throw new AppError('config_invalid', `${file} is unreadable or corrupt; restore it from a backup`);
  }
  return stored;
};

/** Creates the file once: the first process to link its copy wins, the others read the winner's. */
const createStored = (dataDir: string, file: string): Secrets => {
  const fresh: Secrets = {
    pepper: randomBytes(48).toString('base64url'),
    cookieKeys: [randomBytes(48).toString('base64url')],
  };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readStored(file) as Secrets;
  } finally {
    rmSync(temporary, { force: true });
  }
};

export const resolveSecrets = (config: Config): Secrets => {
  if (config.secretPepper && config.cookieKeys) {
    return { pepper: config.secretPepper, cookieKeys: config.cookieKeys };
  }
  if (config.profile === 'production') {
    throw new AppError('config_invalid', 'TESSERA_SECRET_PEPPER and TESSERA_COOKIE_KEYS are required');
  }
  const file = join(config.dataDir, 'secrets.json');
  const stored = readStored(file) ?? createStored(config.dataDir, file);
  return {
    pepper: config.secretPepper ?? stored.pepper,
    cookieKeys: config.cookieKeys ?? stored.cookieKeys,
  };
};
