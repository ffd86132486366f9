import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from '../load/load-spec.ts';
import {
  machineCpuMs,
  onCleanup,
  ROOT,
  type Started,
  startProcess,
  treeCpuMs,
  treePreemptions,
} from './processes.ts';

/**
 * Runs one measured load against one server process: a load generator in its own process
 * (autocannon, or wrk when installed), the server's CPU time read from /proc right before and
 * right after the measured window.
 */
export type Loader = 'autocannon' | 'wrk';

export type Measurement = LoadResult & {
  /** Server CPU (user + system) per response, from /proc/<pid>/stat. */
  serverCpuMsPerRequest: number;
  /** Cores the server (with its workers) used during the window: 1.0 is one core busy. */
  serverCpuShare: number;
  /**
   * Cores the whole machine was busy during the window (server, load generator, Redis, PostgreSQL,
   * the kernel), and cores' worth of time the hypervisor gave to other guests instead.
   */
  machineBusyShare: number;
  stealShare: number;
  /** Times per response the server's threads were switched out while they still wanted to run. */
  serverPreemptionsPerRequest: number;
  errors: number;
};

export const wrkAvailable = (): boolean => {
  try {
    execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

let scratch: string | undefined;
/** A private temporary folder for specs and value files, removed at clean-up. */
export const scratchDir = (): string => {
  if (!scratch) {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
    scratch = dir;
    onCleanup('remove scratch folder', () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
};

let specCounter = 0;

const readJsonLines = (
  stream: NodeJS.ReadableStream,
  onMessage: (message: Record<string, unknown>) => void,
): void => {
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line.startsWith('{')) onMessage(JSON.parse(line) as Record<string, unknown>);
      newline = buffered.indexOf('\n');
    }
  });
};

/** CPU counters read right before and right after a measured window. */
type CpuWindow = { server: number; preemptions: number; machine: { busy: number; steal: number } };

const cpuNow = (server: Started): CpuWindow => ({
  server: serverCpuMs(server),
  preemptions: treePreemptions(server.pid),
  machine: machineCpuMs(),
});

const withCpu = (result: LoadResult, before: CpuWindow, after: CpuWindow): Measurement => {
  const serverCpu = after.server - before.server;
  const cores = (ms: number) => ms / 1000 / result.durationSeconds;
  const perRequest = (count: number) => (result.requests > 0 ? count / result.requests : 0);
  return {
    ...result,
    serverCpuMsPerRequest: perRequest(serverCpu),
    serverPreemptionsPerRequest: perRequest(after.preemptions - before.preemptions),
    serverCpuShare: cores(serverCpu),
    machineBusyShare: cores(after.machine.busy - before.machine.busy),
    stealShare: cores(after.machine.steal - before.machine.steal),
    errors: result.non2xx + result.socketErrors,
  };
};

/**
 * The server's CPU time, its worker processes included; a server that died mid-run is an error
 * that says so, with its output.
 */
const serverCpuMs = (server: Started): number => {
  try {
    return treeCpuMs(server.pid);
  } catch {
    throw new Error(
      `${server.name} (pid ${server.pid}) is no longer running (exit code ${server.child.exitCode}, ` +
        `signal ${server.child.signalCode}); its last output:\n${server.output().slice(-4000)}`,
    );
  }
};

/** Where the load generator runs: anywhere, or on one CPU (`taskset -c`, the pinned placement). */
export type LoaderPlacement = { cpu?: number };

/** `command args…` as given, or under `taskset -c cpu` (which execs it: the pid stays the same). */
const placed = (placement: LoaderPlacement, command: string, args: string[]) =>
  placement.cpu === undefined
    ? { command, args }
    : { command: 'taskset', args: ['-c', String(placement.cpu), command, ...args] };

const runAutocannon = async (
  spec: LoadSpec,
  server: Started,
  placement: LoaderPlacement,
): Promise<Measurement> => {
  const specFile = join(scratchDir(), `load-${++specCounter}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const { command, args } = placed(placement, process.execPath, [
    'bench/load/autocannon-worker.ts',
    specFile,
  ]);
  const generator = startProcess('autocannon', args, { env: {}, command });
  let cpuAtStart: CpuWindow | undefined;
  const result = await new Promise<LoadResult>((done, fail) => {
    readJsonLines(generator.child.stdout as NodeJS.ReadableStream, (message) => {
      try {
        if (message.type === 'ready') {
          cpuAtStart = cpuNow(server);
          generator.child.stdin?.write('go\n');
        } else if (message.type === 'result') {
          const { type: _type, ...rest } = message;
          done(rest as unknown as LoadResult);
        }
      } catch (error) {
        void generator.stop();
        fail(error);
      }
    });
    void generator.exited.then((code) =>
      fail(new Error(`load generator exited (${code}) without a result:\n${generator.output()}`)),
    );
  });
  const cpuAtEnd = cpuNow(server);
  await generator.exited;
  return withCpu(result, cpuAtStart as CpuWindow, cpuAtEnd);
};

/**
 * wrk (C, one thread here: the other core belongs to the server) with a Lua script that varies
 * requests like the autocannon worker does and prints its summary as one JSON line.
 */
const runWrk = async (spec: LoadSpec, server: Started, placement: LoaderPlacement): Promise<Measurement> => {
  const script = join(ROOT, 'bench/load/wrk-script.lua');
  // wrk's Lua has no JSON parser: the spec travels as plain environment variables.
  const env: Record<string, string> = {
    BENCH_METHOD: spec.method,
    BENCH_PATH: spec.path,
    BENCH_HEADERS: Object.entries(spec.headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
    BENCH_BODY: spec.body ?? '',
    ...(spec.rotate
      ? {
          BENCH_ROTATE_FILE: spec.rotate.file,
          BENCH_ROTATE_INTO: spec.rotate.into,
          BENCH_ROTATE_TEMPLATE: spec.rotate.template,
        }
      : {}),
    ...(spec.unique ? { BENCH_UNIQUE_TEMPLATE: spec.unique.template } : {}),
  };
  const wrk = (seconds: number) =>
    new Promise<string>((done, fail) => {
      let stdout = '';
      const child = execFileWrk(
        [
          '-t1',
          `-c${spec.connections}`,
          `-d${seconds}s`,
          '--timeout',
          '10s',
          '-s',
          script,
          `${spec.url}${spec.path}`,
        ],
        env,
        placement,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      void child.exited.then((code) =>
        code === 0 ? done(stdout) : fail(new Error(`wrk failed (${code}):\n${child.output()}`)),
      );
    });
  if (spec.warmupSeconds > 0) await wrk(Math.max(1, Math.round(spec.warmupSeconds)));
  const cpuAtStart = cpuNow(server);
  const output = await wrk(Math.max(1, Math.round(spec.durationSeconds)));
  const cpuAtEnd = cpuNow(server);
  const line = output.split('\n').find((candidate) => candidate.startsWith('{"type":"result"'));
  if (!line) throw new Error(`wrk printed no result:\n${output}`);
  const { type: _type, ...rest } = JSON.parse(line) as Record<string, unknown>;
  const result = rest as unknown as LoadResult;
  // The shell's `times` after wrk: its children's user and system time (wrk's Lua cannot see its own).
  const times = [...output.matchAll(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/gm)].at(-1);
  const seconds = (minutes?: string, remainder?: string) => Number(minutes) * 60 + Number(remainder);
  const loaderCpuShare = times
    ? (seconds(times[1], times[2]) + seconds(times[3], times[4])) / result.durationSeconds
    : -1;
  return withCpu(
    { ...result, loaderCpuShare: Math.round(loaderCpuShare * 1000) / 1000 },
    cpuAtStart,
    cpuAtEnd,
  );
};

const execFileWrk = (wrkArgs: string[], env: Record<string, string>, placement: LoaderPlacement) => {
  // wrk is not node: spawn it through the same registry so it is stopped on Ctrl-C as well. The
  // shell around it prints wrk's CPU time (`times`) once it is done.
  const { command, args } = placed(placement, 'bash', [
    '-c',
    'wrk "$@"; status=$?; times; exit $status',
    'wrk',
    ...wrkArgs,
  ]);
  const started = startProcess('wrk', args, { env, command });
  return {
    stdout: started.child.stdout as NodeJS.ReadableStream,
    exited: started.exited,
    output: started.output,
  };
};

export const runLoad = (
  loader: Loader,
  spec: LoadSpec,
  server: Started,
  placement: LoaderPlacement = {},
): Promise<Measurement> =>
  loader === 'wrk' ? runWrk(spec, server, placement) : runAutocannon(spec, server, placement);
