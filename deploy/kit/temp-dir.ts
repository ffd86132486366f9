import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scope } from './tessera-process.ts';

/** A fresh directory under the system temp dir, removed with everything in it when the scope ends. */
export const makeTempDir = (t: Scope, name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `tessera-fault-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};
