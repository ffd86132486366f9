/**
 * `npm run build` (and so `npm pack`, through prepack): the server compiled to JavaScript into
 * dist/server, for the npm package and the Docker image. tsc emits what tsconfig.build.json names
 * (the CLI and everything it imports, the migrations); files the server reads by path at runtime
 * are copied beside their compiled modules.
 *
 * The new build is made in a directory of its own and renamed into place, so dist/server is never
 * half-written: two packs running at once (test files run in parallel) each ship a complete build.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const target = join(root, 'dist', 'server');

/** Read with readFileSync relative to their module (src/http/web/static-assets.ts). */
const RUNTIME_FILES = ['src/http/web/assets'];

mkdirSync(join(root, 'dist'), { recursive: true });
const next = mkdtempSync(join(root, 'dist', '.server-next-'));
const previous = `${next}-previous`;
try {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', next], {
    stdio: 'inherit',
  });
  for (const path of RUNTIME_FILES) cpSync(join(root, path), join(next, path), { recursive: true });

  try {
    renameSync(target, previous);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    renameSync(next, target);
  } catch (error) {
    // Another build put its own complete result there in between: from the same sources, keep it.
    if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
} finally {
  rmSync(next, { recursive: true, force: true });
  rmSync(previous, { recursive: true, force: true });
}
