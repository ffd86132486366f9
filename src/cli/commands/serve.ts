import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { runServer } from '../../main.ts';
import { clusterMetricsSource } from '../../metrics/cluster-metrics.ts';
import { startMetricsServer } from '../../metrics/metrics-server.ts';
import { createDatabase } from '../../storage/database.ts';
import { migrateLatest } from '../../storage/migrate.ts';
import { usageError } from '../cli-error.ts';
import type { CommandContext } from '../command-context.ts';

const workerCount = (value: string) => {
  if (value === 'auto') return availableParallelism();
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('--workers must be a number, 1 or more, or auto');
  return Number(value);
};

/**
 * Several worker processes share the port through node's cluster module (the primary hands out
 * connections). Workers are stateless like separate instances: they share PostgreSQL, Redis and
 * the keys folder, so this needs the production profile — PGlite is single-process.
 */
const runPrimary = async (workers: number, metrics: { port: number; host: string } | undefined) => {
  // The workers' metrics, added up, on the one metrics port (src/metrics/cluster-metrics.ts).
  if (metrics) await startMetricsServer({ ...metrics, source: clusterMetricsSource() });
  let stopping = false;
  const fork = () => cluster.fork();
  for (let index = 0; index < workers; index++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    process.stderr.write(
      `tessera worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`,
    );
    setTimeout(fork, 1000).unref();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    });
  }
  // SIGHUP (reload signing keys) goes to every worker.
  process.on('SIGHUP', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
  });
};

export const registerServeCommand = (program: Command, context: CommandContext): void => {
  program
    .command('serve')
    .description('run the authorization server (same as npm start); configuration comes from the environment')
    .option(
      '--workers <n>',
      'worker processes sharing the port (production profile), or auto for one per core',
      workerCount,
      1,
    )
    .action(async (options: { workers: number }) =>
      context.run({ workers: '--workers' }, async () => {
        const config = context.config();
        if (options.workers > 1 && cluster.isPrimary) {
          if (config.profile === 'embedded') {
            throw usageError(
              '--workers needs the production profile (DATABASE_URL): PGlite is single-process',
            );
          }
          // Migrate once here, so the workers start on an up-to-date schema instead of racing for it.
          const database = await createDatabase({ databaseUrl: config.databaseUrl });
          try {
            await migrateLatest(database.knex);
          } finally {
            await database.close();
          }
          await runPrimary(
            options.workers,
            config.metricsPort === undefined ? undefined : { port: config.metricsPort, host: config.host },
          );
          return;
        }
        await runServer(config);
      }),
    );
};
