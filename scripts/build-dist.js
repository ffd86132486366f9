#!/usr/bin/env node
// Compiles a workspace package's TypeScript sources into its `dist/` (JavaScript + `.d.ts`), for
// `npm pack` and for plain `node` runs outside npm scripts. Run from the package's folder (its
// `build` script); the project is that folder's tsconfig.build.json.
//
// The new output is written beside the old one and swapped in with two renames, so a process that
// is importing `dist/` while a build runs (a test packing the package, say) never sees it half-written.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist.next', { recursive: true, force: true });
const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', 'dist.next'], {
  stdio: 'inherit',
});
if (built.status !== 0) {
  rmSync('dist.next', { recursive: true, force: true });
  process.exit(built.status ?? 1);
}
rmSync('dist.old', { recursive: true, force: true });
if (existsSync('dist')) renameSync('dist', 'dist.old');
renameSync('dist.next', 'dist');
rmSync('dist.old', { recursive: true, force: true });
