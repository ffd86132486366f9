import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { ROOT } from './processes.ts';

/** What the numbers were measured on: they only mean something next to this. */
export type Machine = {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  oidcProvider: string;
  gitCommit: string | undefined;
  gitDirty: boolean | undefined;
};

const cpuModel = (): string => {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
};

const git = (args: string[]): string | undefined => {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
};

export const describeMachine = (): Machine => {
  const status = git(['status', '--porcelain', '--', 'src', 'migrations']);
  return {
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    oidcProvider: (
      JSON.parse(readFileSync(`${ROOT}/node_modules/oidc-provider/package.json`, 'utf8')) as {
        version: string;
      }
    ).version,
    gitCommit: git(['rev-parse', '--short', 'HEAD']),
    // Uncommitted changes to what is measured make a result hard to reproduce: say so.
    gitDirty: status === undefined ? undefined : status.length > 0,
  };
};
