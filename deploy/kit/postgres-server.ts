import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { type Scope, suiteScope } from './tessera-process.ts';
import { spawnOwned, type OwnedProcess } from './owned-process.ts';
import { allocatePort, isAddressInUse } from './ports.ts';
import { childPids, isAlive, signalPid } from './process-tree.ts';
import { makeTempDir } from './temp-dir.ts';
import { waitUntil } from './wait-until.ts';

/**
 * A throwaway PostgreSQL cluster of the test's own: initdb into a temp dir, a postmaster on a
 * private port with trust authentication, one database. Postgres refuses to run as root, so under
 * root its binaries run as the `postgres` user (spawn's uid/gid, so the PID we hold is the
 * postmaster's own, not a wrapper's).
 */
export type PostgresServerOptions = {
  /** The database created for the test (default `tessera`). */
  database?: string;
};

export type PostgresServer = {
  host: string;
  port: number;
  /** postgres://postgres@127.0.0.1:port/database — for DATABASE_URL. */
  url: string;
  dataDir: string;
  /** The postmaster's PID (a new one after `start`). */
  readonly pid: number;
  logs: () => string;
  /** One query on a connection of its own, failing after `timeoutMs` (connecting included). */
  query: (text: string, options?: { timeoutMs?: number }) => Promise<Record<string, unknown>[]>;
  /** A fast shutdown (SIGINT): sessions are ended, committed data kept. */
  stop: () => Promise<void>;
  /** SIGKILL to the postmaster and every child: a crash; `start` then runs crash recovery. */
  kill: () => Promise<void>;
  start: () => Promise<void>;
  /** SIGSTOP to the postmaster and every child: connections stay open, nothing answers. */
  pause: () => void;
  resume: () => void;
};

const run = promisify(execFile);

/** Debian installs the server binaries off PATH, under /usr/lib/postgresql/<major>/bin. */
const binDir = (): string => {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  for (const major of majors)
    if (existsSync(join(root, major, 'bin', 'initdb'))) return join(root, major, 'bin');
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) not found; .ci/run installs Debian’s postgresql',
  );
};

/** Under root: the uid and gid of the `postgres` user, whom the binaries run as. */
const postgresUser = (): { uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs a `postgres` user to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
};

class PostgresExitedError extends Error {
  readonly logs: string;
  constructor(logs: string) {
    super(`postgres exited before accepting connections:\n${logs}`);
    this.logs = logs;
  }
}

const query = async (url: string, text: string, timeoutMs: number) => {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A connection that dies later (server killed) is reported here, not as an uncaught error.
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    void client.end().catch(() => {});
  }
};

/** SIGKILL to a postmaster and its children; the postmaster first, so that it forks nothing new. */
const killTree = async (postmaster: OwnedProcess) => {
  if (!postmaster.isRunning()) return;
  const children = childPids(postmaster.pid);
  await postmaster.kill();
  // SIGKILL also ends a stopped (paused) process.
  for (const child of children) signalPid(child, 'SIGKILL');
  await waitUntil('postgres children gone', () => !children.some(isAlive));
};

export const startPostgresServer = async (
  outer: Scope,
  { database = 'tessera' }: PostgresServerOptions = {},
): Promise<PostgresServer> => {
  // node:test runs after-hooks first-in first-out: one hook of our own kills, then removes the dir.
  const t = suiteScope((cleanup) => outer.after(cleanup));
  const bin = binDir();
  const user = postgresUser();
  const dir = makeTempDir(t, 'postgres');
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  if (user) for (const path of [dir, dataDir]) chownSync(path, user.uid, user.gid);
  const asPostgres = { cwd: dir, ...(user ?? {}) };

  // --no-sync: a throwaway cluster needs no fsync of its initial files (seconds saved).
  const initdbArgs = ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C'];
  await run(join(bin, 'initdb'), [...initdbArgs, '--no-sync', '--no-instructions'], {
    ...asPostgres,
    timeout: 60_000,
  });

  let port = await allocatePort();
  const urlFor = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;
  const launch = async (): Promise<OwnedProcess> => {
    const postmaster = spawnOwned(
      t,
      join(bin, 'postgres'),
      [
        ...['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
        // Its own socket directory: the shared server's lock files in /var/run/postgresql stay out of reach.
        ...['-c', `unix_socket_directories=${dir}`],
        // A killed process loses nothing with fsync off (the OS keeps the pages); only a machine crash would.
        ...['-c', 'fsync=off'],
      ],
      asPostgres,
    );
    // Registered after the postmaster's own clean-up, so it runs first: no child outlives the test.
    t.after(() => killTree(postmaster));
    await waitUntil(`postgres on port ${port} accepting connections`, async () => {
      if (!postmaster.isRunning()) throw new PostgresExitedError(postmaster.logs());
      return (await query(urlFor('postgres'), 'select 1', 1_000)).length === 1;
    }).catch((error: unknown) => {
      if (!postmaster.isRunning()) throw new PostgresExitedError(postmaster.logs());
      throw new Error(`${(error as Error).message}\n${postmaster.logs()}`);
    });
    return postmaster;
  };

  let current: OwnedProcess | undefined;
  for (let attempt = 1; !current; attempt++) {
    try {
      current = await launch();
    } catch (error) {
      // Another process took the port between allocation and bind: try another one.
      if (!(error instanceof PostgresExitedError && isAddressInUse(error.logs)) || attempt >= 3) throw error;
      port = await allocatePort();
    }
  }
  await query(urlFor('postgres'), `create database "${database}"`, 10_000);

  const running = () => {
    if (!current?.isRunning()) throw new Error(`postgres on port ${port} is not running`);
    return current;
  };
  return {
    host: '127.0.0.1',
    port,
    url: urlFor(database),
    dataDir,
    get pid() {
      return running().pid;
    },
    logs: () => current?.logs() ?? '',
    query: (text, { timeoutMs = 5_000 } = {}) => query(urlFor(database), text, timeoutMs),
    stop: async () => {
      if (!current?.isRunning()) return;
      for (const child of childPids(current.pid)) signalPid(child, 'SIGCONT');
      await current.stop({ signal: 'SIGINT', graceMs: 10_000 });
    },
    kill: async () => {
      if (current) await killTree(current);
    },
    start: async () => {
      if (current?.isRunning()) throw new Error(`postgres on port ${port} is already running`);
      current = await launch();
    },
    pause: () => {
      const postmaster = running();
      postmaster.signal('SIGSTOP');
      // Listed once the postmaster is stopped, so no child appears after the list is made.
      for (const child of childPids(postmaster.pid)) signalPid(child, 'SIGSTOP');
    },
    resume: () => {
      const postmaster = running();
      for (const child of childPids(postmaster.pid)) signalPid(child, 'SIGCONT');
      postmaster.signal('SIGCONT');
    },
  };
};
