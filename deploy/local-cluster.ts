import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Haproxy, startHaproxy } from './kit/haproxy.ts';
import { allocatePorts } from './kit/ports.ts';
import { type PostgresServer, startPostgresServer } from './kit/postgres-server.ts';
import { type RedisCluster, startRedisCluster } from './kit/redis-cluster.ts';
import { shippedHaproxyConfig } from './kit/shipped-haproxy-config.ts';
import { makeTempDir } from './kit/temp-dir.ts';
import {
  type FaultTesseraInstance,
  startTesseraInstance,
  tesseraDeploymentEnv,
} from './kit/tessera-instance.ts';
import { type Scope, suiteScope } from './kit/tessera-process.ts';

/**
 * A production-shaped Tessera deployment on one machine, on private ports: N instances behind
 * HAProxy (deploy/haproxy.cfg: /readyz checks, drain, L7 retries for idempotent OAuth calls), a
 * Redis Cluster of 3 masters + 3 replicas, and a PostgreSQL of its own (initdb + postgres in a
 * temp dir). Instances share nothing but Postgres, Redis and their secrets: each has its own
 * keys folder and data dir, so signing keys reach them only through Postgres.
 *
 *   node deploy/local-cluster.ts [--instances 3]     # runs until Ctrl-C, then stops everything
 *
 * test/integration/deployment/ runs the same function under a test's scope.
 */
export type LocalCluster = {
  /** The load balancer: what clients and relying parties use (also the issuer). */
  url: string;
  /** The environment every instance shares; the CLI run with it administers the deployment. */
  env: Record<string, string>;
  instances: FaultTesseraInstance[];
  names: string[];
  /** Each instance's Prometheus endpoint (TESSERA_METRICS_PORT, a port of its own). */
  metricsUrls: string[];
  haproxy: Haproxy;
  redis: RedisCluster;
  postgres: PostgresServer;
  /** SIGTERM instance `index` (it drains), start it again on its port, wait until HAProxy has it UP. */
  restart: (index: number) => Promise<FaultTesseraInstance>;
};

export type LocalClusterOptions = {
  instances?: number;
  /** More variables for every instance, e.g. { TESSERA_JWKS_CACHE_SECONDS: '1' }. */
  env?: Record<string, string>;
};

export const startLocalCluster = async (
  scope: Scope,
  { instances: count = 3, env: extra = {} }: LocalClusterOptions = {},
): Promise<LocalCluster> => {
  const [postgres, redis] = await Promise.all([
    startPostgresServer(scope),
    startRedisCluster(scope, { proxied: false }),
  ]);
  const ports = await allocatePorts(count);
  const metricsPorts = await allocatePorts(count);
  const names = ports.map((_, index) => `tessera${index + 1}`);
  const haproxy = await startHaproxy(scope, {
    backends: ports.map((port, index) => ({ name: names[index] as string, port })),
    render: shippedHaproxyConfig,
  });
  const env = tesseraDeploymentEnv(scope, {
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    issuer: haproxy.url,
    env: { TESSERA_DRAIN_SECONDS: '5', ...extra },
  });
  const home = makeTempDir(scope, 'instances');
  // Each instance's own folders: nothing on disk is shared.
  const instanceEnv = (index: number) => {
    const dir = join(home, names[index] as string);
    mkdirSync(dir, { recursive: true });
    return {
      ...env,
      TESSERA_KEYS_DIR: join(dir, 'keys'),
      TESSERA_DATA_DIR: join(dir, 'data'),
      TESSERA_METRICS_PORT: String(metricsPorts[index]),
    };
  };
  const start = (index: number) => startTesseraInstance(scope, instanceEnv(index), { port: ports[index] });
  // One at a time: the first migrates the empty database and generates the signing keys.
  const instances: FaultTesseraInstance[] = [];
  for (let index = 0; index < count; index++) instances.push(await start(index));
  await haproxy.waitForServers('UP', names, { timeoutMs: 30_000 });

  return {
    url: haproxy.url,
    env,
    instances,
    names,
    metricsUrls: metricsPorts.map((port) => `http://127.0.0.1:${port}/metrics`),
    haproxy,
    redis,
    postgres,
    restart: async (index) => {
      const stopping = instances[index];
      if (!stopping) throw new Error(`no instance ${index}`);
      const code = await stopping.kill('SIGTERM');
      if (code !== 0)
        throw new Error(`${names[index]} exited with ${code}:\n${stopping.logs().slice(-2000)}`);
      const started = await start(index);
      instances[index] = started;
      await haproxy.waitForServers('UP', [names[index] as string], { timeoutMs: 30_000 });
      return started;
    },
  };
};

/** The variables to administer the deployment with the CLI, as a shell file (mode 0600: it holds secrets). */
const writeEnvFile = (dir: string, env: Record<string, string>): string => {
  const file = join(dir, 'tessera.env');
  const quoted = Object.entries(env).map(
    ([name, value]) => `export ${name}='${value.replaceAll("'", "'\\''")}'`,
  );
  writeFileSync(file, `${quoted.join('\n')}\n`, { mode: 0o600 });
  return file;
};

if (import.meta.main) {
  const { values } = parseArgs({ options: { instances: { type: 'string', default: '3' } } });
  const count = Number(values.instances);
  if (!Number.isInteger(count) || count < 1 || count > 16) {
    console.error('--instances must be a whole number from 1 to 16');
    process.exit(2);
  }
  let stop: () => Promise<void> = async () => {};
  const scope = suiteScope((cleanup) => {
    stop = cleanup;
  });
  const shutdown = async (signal: string) => {
    console.log(`\n${signal}: stopping the instances, HAProxy, the Redis Cluster and PostgreSQL…`);
    await stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    const cluster = await startLocalCluster(scope, { instances: count });
    const envFile = writeEnvFile(makeTempDir(scope, 'admin'), cluster.env);
    console.log(`Tessera: ${cluster.url} (HAProxy in front of ${count} instances)`);
    for (const [index, instance] of cluster.instances.entries())
      console.log(
        `  ${cluster.names[index]}: http://127.0.0.1:${instance.port} (pid ${instance.pid}), metrics ${cluster.metricsUrls[index]}`,
      );
    console.log(`PostgreSQL: ${cluster.postgres.url}`);
    console.log(`Redis Cluster: ${cluster.redis.url}`);
    console.log(`CLI: . ${envFile} && node src/cli/main.ts keys list`);
    console.log('Ctrl-C stops everything and removes its files.');
  } catch (error) {
    console.error(`the local cluster did not start: ${(error as Error).message}`);
    await stop();
    process.exit(1);
  }
}
