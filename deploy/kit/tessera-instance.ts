import { randomBytes } from 'node:crypto';
import { type Scope, startTessera, suiteScope, type TesseraInstance, testEnv } from './tessera-process.ts';
import { allocatePort } from './ports.ts';

/**
 * Tessera in the production profile against the test's own Postgres and Redis, as one or more
 * instances of a deployment: they share one environment (database, Redis, prefix, secrets,
 * signing keys, issuer) and differ only by port, as replicas behind a load balancer do.
 */
export type TesseraDeploymentOptions = {
  databaseUrl: string;
  redisUrl: string;
  /** The public URL (e.g. the load balancer's); by default each instance's own address. */
  issuer?: string;
  /** More variables, e.g. { TESSERA_SHUTDOWN_GRACE_SECONDS: '1' }. */
  env?: Record<string, string>;
};

export type FaultTesseraInstance = TesseraInstance & {
  port: number;
  pid: number;
  /** SIGKILL (or `signal`); resolves with the exit code once it has exited. */
  kill: (signal?: NodeJS.Signals) => Promise<number | null>;
  /** SIGSTOP: its connections stay open and nothing is answered. */
  pause: () => void;
  resume: () => void;
};

/** The environment every instance of one deployment shares. */
export const tesseraDeploymentEnv = (t: Scope, options: TesseraDeploymentOptions): Record<string, string> =>
  testEnv(t, {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    TESSERA_REDIS_PREFIX: `tessera-fault-${randomBytes(4).toString('hex')}:`,
    TESSERA_SECRET_PEPPER: randomBytes(32).toString('base64url'),
    TESSERA_COOKIE_KEYS: randomBytes(32).toString('base64url'),
    TESSERA_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    ...(options.issuer ? { TESSERA_ISSUER: options.issuer } : {}),
    ...options.env,
  });

/** Starts one instance (`node src/main.ts`) on `port` (by default a free private one). */
export const startTesseraInstance = async (
  outer: Scope,
  env: Record<string, string>,
  { port }: { port?: number } = {},
): Promise<FaultTesseraInstance> => {
  // node:test runs after-hooks first-in first-out; ours run last-in first-out, so an instance
  // paused by the test is resumed before startTessera's clean-up asks it to stop.
  const t = suiteScope((cleanup) => outer.after(cleanup));
  const chosen = port ?? (await allocatePort());
  const instance = await startTessera(t, { ...env, PORT: String(chosen) });
  const pid = instance.process.pid ?? 0;
  const signal = (name: NodeJS.Signals) => {
    if (instance.process.exitCode === null && instance.process.signalCode === null)
      instance.process.kill(name);
  };
  t.after(() => signal('SIGCONT'));
  return {
    ...instance,
    port: chosen,
    pid,
    kill: (name = 'SIGKILL') => {
      const child = instance.process;
      const exited = new Promise<number | null>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode);
        else child.once('exit', (code) => done(code));
      });
      signal('SIGCONT');
      signal(name);
      // Not instance.stop(): its SIGTERM would be a second signal, which skips Tessera's drain.
      return exited;
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
  };
};
