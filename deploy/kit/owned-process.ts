import { spawn, type SpawnOptions } from 'node:child_process';
import type { Scope } from './tessera-process.ts';

/**
 * A server process this test started, and the only kind of process a fault helper signals: by
 * its own PID, never by name. It is killed (SIGCONT first, in case it was paused) when the scope
 * ends, whatever state the test left it in.
 */
export type OwnedProcess = {
  pid: number;
  /** What it printed on stdout and stderr (the last 256 KiB). */
  logs: () => string;
  /** Resolves with the exit code, or the signal's name, once the process is gone. */
  exited: Promise<number | string>;
  isRunning: () => boolean;
  /** Sends a signal if the process still runs. */
  signal: (signal: NodeJS.Signals) => void;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`; resolves when it has exited. */
  stop: (options?: { signal?: NodeJS.Signals; graceMs?: number }) => Promise<number | string>;
  /** SIGKILL; resolves when it has exited. */
  kill: () => Promise<number | string>;
};

const LOG_LIMIT = 256 * 1024;

export const spawnOwned = (
  t: Scope,
  command: string,
  args: string[],
  options: Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> = {},
): OwnedProcess => {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-LOG_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let running = true;
  const exited = new Promise<number | string>((done) => {
    child.once('exit', (code, signal) => {
      running = false;
      done(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      running = false;
      append(Buffer.from(`\n${command}: ${error.message}\n`));
      done(error.message);
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;

  const signal = (name: NodeJS.Signals) => {
    if (!running) return;
    try {
      process.kill(pid, name);
    } catch (error) {
      // It exited a moment ago and the 'exit' event is still on its way.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  const kill = () => {
    signal('SIGCONT');
    signal('SIGKILL');
    return exited;
  };
  const stop = async ({
    signal: name = 'SIGTERM',
    graceMs = 5_000,
  }: { signal?: NodeJS.Signals; graceMs?: number } = {}) => {
    signal('SIGCONT');
    signal(name);
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  t.after(kill);
  return { pid, logs: () => output, exited, isRunning: () => running, signal, stop, kill };
};
