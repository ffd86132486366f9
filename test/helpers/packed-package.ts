import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A workspace package as a user gets it: `npm pack`ed, then installed from the tarball into a
 * fresh project of its own. Packing runs the package's `prepare`, which compiles it into `dist/`.
 */

/**
 * The environment of an npm or node run that must behave as on a user's machine: without the
 * `npm_*` variables of an enclosing `npm test`, and without NODE_OPTIONS, whose
 * `--conditions=tessera-source` (.npmrc) would send the installed package to sources it does not ship.
 */
export const userEnv = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !entry[0].startsWith('npm_') && entry[0] !== 'NODE_OPTIONS',
    ),
  );

// Under `npm test` npm says where its own CLI is; otherwise npm comes from PATH.
export const npm = (args: string[], cwd: string): string => {
  const [command, commandArgs] = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath, ...args]]
    : ['npm', args];
  const result = spawnSync(command, commandArgs, { cwd, env: userEnv(), encoding: 'utf8', timeout: 170_000 });
  if (result.status !== 0)
    throw new Error(`npm ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
};

export type Packed = { tarball: string; files: string[]; manifest: Record<string, unknown> };

/** `npm pack` of the package in `packageDir`, written to `destination`. */
export const pack = (packageDir: string, destination: string): Packed => {
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', destination], packageDir)) as {
    filename: string;
    files: { path: string }[];
  }[];
  return {
    tarball: join(destination, packed!.filename),
    files: packed!.files.map((file) => file.path),
    manifest: JSON.parse(
      spawnSync('tar', ['-xOzf', join(destination, packed!.filename), 'package/package.json'], {
        encoding: 'utf8',
      }).stdout,
    ) as Record<string, unknown>,
  };
};

/**
 * A new ESM project in `dir` with `specs` installed (production dependencies only, from npm's
 * cache when it has them: CI's `npm ci` just filled it).
 */
export const installProject = (dir: string, specs: string[]): void => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  npm(['install', ...specs, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], dir);
};

type LsNode = { version?: string; dependencies?: Record<string, LsNode> };

/**
 * Every package `npm ls --all` shows in the project, leaving out the packages named in `except`
 * and what they bring, wherever they appear (a framework the project installed itself).
 */
export const installedPackages = (dir: string, except: string[] = []): string[] => {
  const tree = JSON.parse(npm(['ls', '--all', '--json'], dir)) as LsNode;
  const names = new Set<string>();
  const walk = (node: LsNode) => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      // An optional peer dependency the project did not install is listed without a version.
      if (except.includes(name) || !child.version) continue;
      names.add(name);
      walk(child);
    }
  };
  walk(tree);
  return [...names].sort();
};
