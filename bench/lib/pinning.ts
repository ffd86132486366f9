import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { processTree } from './processes.ts';

/**
 * The pinned placement (issue 16): the server under test on one CPU, the load generator on
 * another, so requests per second and CPU per request are per-core figures — on two cores an
 * unpinned server also borrows the load generator's core for its threadpool (JWT signing with
 * jose runs there), which the whole-machine figures cannot tell apart. Redis and PostgreSQL are
 * not pinned: they are the stores Tessera talks to, not Tessera. Uses `taskset` (util-linux).
 */
export const SERVER_CPU = 0;
export const LOADER_CPU = 1;

/** Why the pinned placement cannot run here, or undefined when it can. */
export const pinningUnavailable = (): string | undefined => {
  if (availableParallelism() < 2) return 'it needs two CPUs';
  try {
    execFileSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'taskset is not installed (util-linux)';
  }
};

const setAffinity = (pid: number, cpus: string): void => {
  try {
    // -a: every thread, the libuv threadpool's included; threads made later inherit it.
    execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
  } catch {
    // a worker that ended meanwhile
  }
};

const affinity = (pid: number): string => {
  const output = execFileSync('taskset', ['-cp', String(pid)], { encoding: 'utf8' });
  return output.slice(output.lastIndexOf(':') + 1).trim();
};

/**
 * Pins a server and its descendants (all their threads) to `cpu`; returns a function that gives
 * each back the CPUs it had.
 */
export const pinServer = (pid: number, cpu = SERVER_CPU): (() => void) => {
  const before = processTree(pid).map((member) => ({ member, cpus: affinity(member) }));
  for (const { member } of before) setAffinity(member, String(cpu));
  return () => {
    for (const { member, cpus } of before) setAffinity(member, cpus);
  };
};
