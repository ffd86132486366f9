import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.ts';
import type { Config } from './load-config.ts';

export type Secrets = { pepper: string; cookieKeys: string[] };

/**
 * The pepper and cookie keys. The production profile must be given both (load-config refuses to
 * start without them). The embedded profile generates them once into `<dataDir>/secrets.json`
 * (mode 0600) so a laptop install needs no setup and a restart keeps every token and hash valid.
 */
export const resolveSecrets = (config: Config): Secrets => {
  if (config.secretPepper && config.cookieKeys) {
    return { pepper: config.secretPepper, cookieKeys: config.cookieKeys };
  }
  if (config.profile === 'production') {
    throw new AppError('config_invalid', 500, 'TESSERA_SECRET_PEPPER and TESSERA_COOKIE_KEYS are required');
  }
  const file = join(config.dataDir, 'secrets.json');
  let stored: Secrets;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Secrets;
    if (typeof stored.pepper !== 'string' || !Array.isArray(stored.cookieKeys)) throw new Error('bad shape');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AppError(
        'config_invalid',
        500,
        `${file} is unreadable or corrupt; restore it from a backup`,
        {
          cause: error,
        },
      );
    }
    stored = {
      pepper: randomBytes(48).toString('base64url'),
      cookieKeys: [randomBytes(48).toString('base64url')],
    };
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    chmodSync(`${file}.tmp`, 0o600);
    renameSync(`${file}.tmp`, file);
  }
  return {
    pepper: config.secretPepper ?? stored.pepper,
    cookieKeys: config.cookieKeys ?? stored.cookieKeys,
  };
};
