import { type Scope, suiteScope } from './tessera-process.ts';
import { spawnOwned, type OwnedProcess } from './owned-process.ts';
import { allocatePort, isAddressInUse } from './ports.ts';
import { redisCommand, redisInfo } from './redis-command.ts';
import { makeTempDir } from './temp-dir.ts';
import { waitUntil } from './wait-until.ts';

/**
 * A redis-server of the test's own on a private port, without persistence (a restart comes back
 * empty, as after a flush), killed when the scope ends.
 */
export type RedisServerOptions = {
  /** Extra redis-server arguments, e.g. ['--cluster-enabled', 'yes'] or ['--replicaof', host, port]. */
  args?: string[];
  /** A fixed port; by default a free private one. */
  port?: number;
  /** Its working directory (RDB, nodes.conf); by default a temp dir of its own. */
  dir?: string;
};

export type RedisServer = {
  host: string;
  port: number;
  /** redis://127.0.0.1:port — for REDIS_URL. */
  url: string;
  dir: string;
  /** The PID of the running process (a new one after `start`). */
  readonly pid: number;
  logs: () => string;
  isRunning: () => boolean;
  command: (args: (string | number)[], options?: { timeoutMs?: number }) => Promise<unknown>;
  info: (section: string) => Promise<Record<string, string>>;
  /** SIGTERM: a clean shutdown, nothing saved. */
  stop: () => Promise<void>;
  /** SIGKILL: a crash. */
  kill: () => Promise<void>;
  /** Starts it again on the same port and directory after `stop` or `kill`. */
  start: () => Promise<void>;
  /** SIGSTOP: connections stay open and every command waits. */
  pause: () => void;
  /** SIGCONT. */
  resume: () => void;
  flushAll: () => Promise<void>;
};

const ATTEMPTS = 3;

/** The server died before answering; its output says why (often: the port was taken). */
class RedisExitedError extends Error {
  readonly logs: string;
  constructor(logs: string) {
    super(`redis-server exited before answering:\n${logs}`);
    this.logs = logs;
  }
}

const launch = async (t: Scope, port: number, dir: string, args: string[]): Promise<OwnedProcess> => {
  const process = spawnOwned(
    t,
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      ...args,
    ],
    { cwd: dir },
  );
  let exitedEarly = false;
  void process.exited.then(() => {
    exitedEarly = true;
  });
  await waitUntil(`redis-server on port ${port} answering PING`, async () => {
    if (exitedEarly) throw new RedisExitedError(process.logs());
    return (await redisCommand(port, ['PING'], { timeoutMs: 1_000 })) === 'PONG';
  }).catch((error: unknown) => {
    if (exitedEarly) throw new RedisExitedError(process.logs());
    throw new Error(`${(error as Error).message}\n${process.logs()}`);
  });
  return process;
};

export const startRedisServer = async (
  outer: Scope,
  options: RedisServerOptions = {},
): Promise<RedisServer> => {
  // node:test runs after-hooks first-in first-out: one hook of our own kills, then removes the dir.
  const t = suiteScope((cleanup) => outer.after(cleanup));
  const dir = options.dir ?? makeTempDir(t, 'redis');
  const args = options.args ?? [];
  let port = options.port ?? (await allocatePort());
  let current: OwnedProcess | undefined;
  for (let attempt = 1; !current; attempt++) {
    try {
      current = await launch(t, port, dir, args);
    } catch (error) {
      // Another process took the port between allocation and bind: try another one.
      const retry = error instanceof RedisExitedError && isAddressInUse(error.logs) && !options.port;
      if (!retry || attempt >= ATTEMPTS) throw error;
      port = await allocatePort();
    }
  }
  const running = () => {
    if (!current?.isRunning()) throw new Error(`redis-server on port ${port} is not running`);
    return current;
  };

  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get pid() {
      return running().pid;
    },
    logs: () => current?.logs() ?? '',
    isRunning: () => current?.isRunning() ?? false,
    command: (commandArgs, commandOptions) => redisCommand(port, commandArgs, commandOptions),
    info: (section) => redisInfo(port, section),
    stop: async () => {
      await current?.stop();
    },
    kill: async () => {
      await current?.kill();
    },
    start: async () => {
      if (current?.isRunning()) throw new Error(`redis-server on port ${port} is already running`);
      current = await launch(t, port, dir, args);
    },
    pause: () => running().signal('SIGSTOP'),
    resume: () => running().signal('SIGCONT'),
    flushAll: async () => {
      await redisCommand(port, ['FLUSHALL', 'SYNC']);
    },
  };
};
