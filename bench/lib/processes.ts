import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/**
 * Every process the bench starts goes through `startProcess`, and every clean-up step through
 * `onCleanup`: `cleanUp()` (from run.ts's finally, or a signal handler) stops exactly those PIDs
 * and runs exactly those steps, newest first, once.
 */
export const ROOT = resolve(import.meta.dirname, '../..');

export type Started = {
  name: string;
  pid: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
};

type Cleanup = { name: string; run: () => unknown };
const cleanups: Cleanup[] = [];

export const onCleanup = (name: string, run: () => unknown): void => {
  cleanups.push({ name, run });
};

let cleaning: Promise<void> | undefined;
export const cleanUp = (): Promise<void> => {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup.run();
      } catch (error) {
        console.error(`clean-up "${cleanup.name}" failed: ${(error as Error).message}`);
      }
    }
    cleanups.length = 0;
  })();
  return cleaning;
};

/**
 * Ctrl-C, a kill of the bench, or a bug that escapes run.ts's try/finally still stops what it
 * started and deletes what it created.
 */
export const installSignalHandlers = (): void => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping what the bench started…`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  const crash = (error: unknown) => {
    console.error(`bench failed: ${(error as Error)?.stack ?? String(error)}`);
    void cleanUp().finally(() => process.exit(1));
  };
  process.once('uncaughtException', crash);
  process.once('unhandledRejection', crash);
};

/** Servers and tools get the bench's environment minus the database settings meant for the bench itself. */
export const childEnv = (env: Record<string, string>): Record<string, string> => {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(DATABASE_URL|REDIS_URL|TESSERA_|PORT$|NODE_OPTIONS$)/.test(name))
      base[name] = value;
  }
  return { ...base, ...env };
};

export const freePort = (): Promise<number> =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

const MAX_OUTPUT = 200_000;

export const startProcess = (
  name: string,
  args: string[],
  options: { env: Record<string, string>; stopTimeoutMs?: number; command?: string },
): Started => {
  const child = spawn(options.command ?? process.execPath, args, {
    cwd: ROOT,
    env: childEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name} could not be started`);
  const pid = child.pid;
  let output = '';
  const collect = (chunk: Buffer) => {
    // Keep the tail: a long-running server's output only matters when it fails.
    output = (output + chunk.toString()).slice(-MAX_OUTPUT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGTERM lets Tessera drain and write its --cpu-prof profile; SIGKILL only if it hangs.
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
      }, options.stopTimeoutMs ?? 20_000);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  onCleanup(`stop ${name} (pid ${pid})`, stop);
  return { name, pid, child, output: () => output, exited, stop };
};

/** Polls `url` until it answers 2xx; fails early when the process dies. */
export const waitForHttp = async (started: Started, url: string, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void started.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`${started.name} exited (${exitCode}) before it was ready:\n${started.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  throw new Error(`${started.name} was not ready at ${url} within ${timeoutMs} ms:\n${started.output()}`);
};

/** User + system CPU milliseconds a process has used so far (Linux /proc/<pid>/stat). */
export const cpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: count fields after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS;
};

/**
 * CPU milliseconds the whole machine spent since boot, summed over its cores: `busy` is everything
 * but idle and I/O wait (every process and the kernel), `steal` what the hypervisor gave to other
 * guests while this one wanted to run.
 */
export const machineCpuMs = (): { busy: number; steal: number } => {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] as string;
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const ms = (ticks: number) => (ticks * 1000) / CLOCK_TICKS;
  return {
    busy: ms((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)),
    steal: ms(steal ?? 0),
  };
};

/** The same file (`children`, `status`, …) of every live thread of a process; none once it is gone. */
const threadFiles = (pid: number, file: string): string[] => {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const contents: string[] = [];
  for (const thread of threads) {
    try {
      contents.push(readFileSync(`/proc/${pid}/task/${thread}/${file}`, 'utf8'));
    } catch {
      // the thread ended meanwhile
    }
  }
  return contents;
};

/** The process and every descendant alive now (Linux /proc/<pid>/task/<tid>/children). */
export const processTree = (pid: number): number[] => {
  const pids = [pid];
  for (let index = 0; index < pids.length; index++) {
    for (const children of threadFiles(pids[index] as number, 'children')) {
      const listed = children.trim();
      if (listed) pids.push(...listed.split(' ').map(Number));
    }
  }
  return pids;
};

/**
 * CPU milliseconds of a process and its live descendants: a `serve --workers N` primary does
 * little itself, its workers do the work — and /proc's cutime only counts children that exited.
 * Throws when `pid` itself is gone; a descendant that ends between listing and reading counts 0.
 */
export const treeCpuMs = (pid: number): number => {
  let total = cpuMs(pid);
  for (const child of processTree(pid).slice(1)) {
    try {
      total += cpuMs(child);
    } catch {
      // exited between the listing and the read
    }
  }
  return total;
};

/**
 * How often the threads of a process and its live descendants were switched out while they still
 * wanted to run (involuntary context switches, /proc/<pid>/task/<tid>/status): a server that
 * shares its cores with others is preempted, and each time it loses its caches.
 */
export const treePreemptions = (pid: number): number => {
  let total = 0;
  for (const member of processTree(pid))
    for (const status of threadFiles(member, 'status'))
      total += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return total;
};

/** /proc reports CPU times in USER_HZ ticks: 100 on every mainstream Linux build, asked anyway. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Runs a short-lived node script to completion and returns its stdout (stderr on failure).
 * `input` is written to its standard input (e.g. a password for `--password-stdin`).
 */
export const runScript = (
  name: string,
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<string> =>
  new Promise((done, fail) => {
    const started = startProcess(name, args, { env });
    let stdout = '';
    started.child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    started.child.stdin?.end(input);
    void started.exited.then((code) =>
      code === 0 ? done(stdout) : fail(new Error(`${name} failed (${code}):\n${started.output()}`)),
    );
  });
