import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Starts Tessera the way a user does (`node src/main.ts`, configured by environment) in a child
 * process: for the tests (test/helpers/tessera-process.ts re-exports it, with the CLI runner) and
 * for deploy/local-cluster.ts. A scope is anything that runs clean-up at its end: a node:test
 * context, or `suiteScope`'s own list.
 */
export const ROOT = resolve(import.meta.dirname, '../..');

export const freePort = (): Promise<number> =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

export type TesseraInstance = {
  url: string;
  env: Record<string, string>;
  logs: () => string;
  stop: () => Promise<number | null>;
  process: ChildProcess;
};

/** Anything that can run clean-up at the end: a TestContext, or a suite's own list (see `suiteScope`). */
export type Scope = { after(fn: () => unknown): void };

/** A scope for suites whose server is started in a `before` hook and stopped when the suite ends. */
export const suiteScope = (after: (fn: () => Promise<void>) => void): Scope => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return { after: (fn) => cleanups.push(fn) };
};

export const testEnv = (t: Scope, overrides: Record<string, string> = {}): Record<string, string> => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    TESSERA_DATA_DIR: join(dir, 'data'),
    TESSERA_KEYS_DIR: join(dir, 'keys'),
    LOG_LEVEL: 'info',
    // Tests stop servers with SIGTERM: no drain period unless a test asks for one.
    TESSERA_DRAIN_SECONDS: '0',
    ...overrides,
  };
};

export const childEnv = (env: Record<string, string>) => {
  const base = { ...process.env };
  // The parent's own database settings must not leak into a child configured for another profile.
  for (const name of Object.keys(base))
    if (/^(DATABASE_URL|REDIS_URL|TESSERA_|PORT$)/.test(name)) delete base[name];
  return { ...base, ...env };
};

export const startTessera = async (
  t: Scope,
  env: Record<string, string>,
  options: { args?: string[]; listeners?: number } = {},
): Promise<TesseraInstance> => {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const fullEnv = {
    TESSERA_ISSUER: `http://127.0.0.1:${port}`,
    ...env,
    PORT: String(port),
  };
  const child = spawn(process.execPath, options.args ?? ['src/main.ts'], {
    cwd: ROOT,
    env: childEnv(fullEnv),
    stdio: 'pipe',
  });
  const listeners = options.listeners ?? 1;
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let stopped: Promise<number | null> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    })();
    return stopped;
  };
  // Registered before waiting, so a server that fails to start is still stopped.
  t.after(stop);

  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`Tessera did not start within 60s:\n${output}`)), 60_000);
    const onData = () => {
      if (output.split('"tessera is listening"').length - 1 >= listeners) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`Tessera exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    url: fullEnv.TESSERA_ISSUER,
    env: fullEnv,
    logs: () => output,
    stop,
    process: child,
  };
};
