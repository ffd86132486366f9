import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { type Scope, suiteScope } from './tessera-process.ts';
import { haproxyConfig, type HaproxyBackend, type HaproxyOptions } from './haproxy-config.ts';
import { spawnOwned } from './owned-process.ts';
import { allocatePort } from './ports.ts';
import { makeTempDir } from './temp-dir.ts';
import { waitUntil } from './wait-until.ts';

/**
 * HAProxy (master-worker mode) on a private port in front of Tessera instances, with its
 * configuration written by the test (see haproxy-config.ts), reloadable, and an admin socket to
 * read its stats and put servers in maintenance or drain.
 */
export type ServerState = 'ready' | 'drain' | 'maint';

export type Haproxy = {
  /** http://127.0.0.1:port — the address clients use. */
  url: string;
  port: number;
  /** The master process's PID. */
  pid: number;
  configPath: string;
  logs: () => string;
  /** One command on the admin (stats) socket, e.g. `show stat`; its answer. */
  admin: (command: string) => Promise<string>;
  /** `show stat` of the backend's servers: name → status (UP, DOWN, MAINT, DRAIN, …). */
  serverStatus: () => Promise<Record<string, string>>;
  /** Every row of `show stat`, as objects keyed by its CSV header. */
  stats: () => Promise<Record<string, string>[]>;
  waitForServers: (status: string, names?: string[], options?: { timeoutMs?: number }) => Promise<void>;
  setServerState: (name: string, state: ServerState) => Promise<void>;
  /** Rewrites the configuration with these backends and reloads. */
  setBackends: (backends: HaproxyBackend[]) => Promise<void>;
  /** SIGUSR2 to the master: a new worker takes over the listener; resolves once it answers. */
  reload: () => Promise<void>;
  /** Master and workers exit at once, open connections are closed. */
  stop: () => Promise<void>;
};

const adminCommand = (socketPath: string, command: string): Promise<string> =>
  new Promise((done, fail) => {
    const socket = connect(socketPath);
    let answer = '';
    socket.setTimeout(5_000, () =>
      socket.destroy(new Error(`haproxy admin socket: no answer to ${command}`)),
    );
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('error', fail);
    socket.on('end', () => done(answer));
    socket.end(`${command}\n`);
  });

const parseCsv = (text: string): Record<string, string>[] => {
  const [header = '', ...rows] = text.trim().split('\n');
  const names = header.replace(/^# /, '').split(',');
  return rows.map((row) => Object.fromEntries(row.split(',').map((value, index) => [names[index], value])));
};

export const startHaproxy = async (outer: Scope, options: HaproxyOptions): Promise<Haproxy> => {
  // node:test runs after-hooks first-in first-out: one hook of our own kills, then removes the dir.
  const t = suiteScope((cleanup) => outer.after(cleanup));
  const dir = makeTempDir(t, 'haproxy');
  const port = await allocatePort();
  const files = { port, adminSocket: join(dir, 'admin.sock'), masterSocket: join(dir, 'master.sock') };
  const configPath = join(dir, 'haproxy.cfg');
  let current = options;
  writeFileSync(configPath, (current.render ?? haproxyConfig)(current, files));

  // -W master-worker (reload by SIGUSR2), -db in the foreground, so the PID we hold is the master.
  const master = spawnOwned(t, 'haproxy', ['-W', '-db', '-f', configPath, '-S', files.masterSocket], {
    cwd: dir,
  });
  const admin = (command: string) => adminCommand(files.adminSocket, command);
  const workerPid = async () => /Pid: (\d+)/.exec(await admin('show info'))?.[1];
  await waitUntil('haproxy answering on its admin socket', async () => {
    if (!master.isRunning()) throw new Error(`haproxy exited:\n${master.logs()}`);
    return workerPid();
  });

  const stats = async () => parseCsv(await admin('show stat'));
  const serverStatus = async () =>
    Object.fromEntries(
      (await stats())
        .filter((row) => row.pxname === 'tessera' && !['FRONTEND', 'BACKEND'].includes(row.svname ?? ''))
        .map((row) => [row.svname ?? '', row.status ?? '']),
    );
  const reload = async () => {
    const before = await workerPid();
    master.signal('SIGUSR2');
    await waitUntil('a new haproxy worker after reload', async () => {
      if (!master.isRunning()) throw new Error(`haproxy exited on reload:\n${master.logs()}`);
      const after = await workerPid();
      return after !== undefined && after !== before;
    });
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: master.pid,
    configPath,
    logs: master.logs,
    admin,
    stats,
    serverStatus,
    waitForServers: async (status, names, { timeoutMs = 10_000 } = {}) => {
      await waitUntil(
        `haproxy servers ${names?.join(', ') ?? 'all'} ${status}`,
        async () => {
          const statuses = await serverStatus();
          return (names ?? Object.keys(statuses)).every((name) => statuses[name]?.startsWith(status));
        },
        { timeoutMs },
      );
    },
    setServerState: async (name, state) => {
      const answer = await admin(`set server tessera/${name} state ${state}`);
      if (answer.trim()) throw new Error(`haproxy refused to set ${name} ${state}: ${answer}`);
    },
    setBackends: async (backends) => {
      current = { ...current, backends };
      writeFileSync(configPath, (current.render ?? haproxyConfig)(current, files));
      await reload();
    },
    reload,
    stop: async () => {
      // SIGTERM: a hard stop. (A soft stop, SIGUSR1, waits for clients' keep-alive connections.)
      await master.stop();
    },
  };
};
