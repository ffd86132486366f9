import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { listen } from './composition/listen.ts';
import { ensureBuiltIns } from './composition/ensure-built-ins.ts';
import { createHttpApp, readinessChecks } from './composition/http-app.ts';
import { openServices } from './composition/open-services.ts';
import { startProviderRuntime } from './composition/provider-runtime.ts';
import { type Config, loadConfig } from './config/load-config.ts';
import { AppError } from './errors.ts';
import { createLogger, type Logger } from './logging/create-logger.ts';
import { createMetrics, type Metrics } from './metrics/create-metrics.ts';
import { shareWithPrimary } from './metrics/cluster-metrics.ts';
import { startMetricsServer } from './metrics/metrics-server.ts';
import { observeConnectionChange } from './metrics/store-metrics.ts';
import type { ConnectionTransition } from './storage/connection-state.ts';

export type RunningServer = {
  url: string;
  server: Server;
  /**
   * Stops the server: for `drainSeconds` (default 0) /readyz answers 503 and every response closes
   * its connection while the listener still serves; then the listener closes, in-flight requests
   * get the grace period, and storage closes. Calling it again returns the same promise.
   */
  close: (options?: { drainSeconds?: number }) => Promise<void>;
};

/** Storage and the domain, with the server's background work: the expiry sweep and "last used". */
const openServerServices = async (config: Config, logger: Logger, metrics: Metrics | undefined) => {
  const onBackgroundError = (error: unknown) => logger.error({ err: error }, 'background task failed');
  // One line per change of a store's connection state (component, state, code), never per request.
  const onConnectionChange = (transition: ConnectionTransition) => {
    if (metrics) observeConnectionChange(metrics, transition);
    if (transition.state === 'connected') logger.info(transition, `${transition.component} connected`);
    else logger.warn(transition, `${transition.component} unreachable`);
  };
  const services = await openServices(config, {
    migrate: true,
    onBackgroundError,
    failFast: { onConnectionChange },
    metrics,
  });
  const stopSweep = services.storage.startExpirySweep(10 * 60_000);
  services.domain.lastUsed.start();
  await ensureBuiltIns(services.storage, config.issuer, logger);
  return {
    ...services,
    async close() {
      stopSweep();
      await services.close();
    },
  };
};

/**
 * The composition root, one step each: the metrics registry → storage and domain → signing keys
 * and the provider runtime → the HTTP app → listen (and the metrics listener, when configured);
 * `close` undoes them in reverse.
 */
export const startServer = async (
  config: Config,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningServer> => {
  // One registry per server, handed to what counts; none at all (nothing counted, no cost on the
  // request path) when no one can scrape it.
  const metrics = config.metricsPort === undefined ? undefined : createMetrics();
  metrics?.collectRuntime();
  const services = await openServerServices(config, logger, metrics);
  const runtime = await startProviderRuntime({ config, services, logger, metrics });
  let selfUrl = config.issuer;
  let draining = false;
  const isDraining = () => draining;
  const app = createHttpApp({
    config,
    services,
    runtime,
    logger,
    selfUrl: () => selfUrl,
    draining: isDraining,
    metrics,
  });
  const readiness = readinessChecks(services, runtime);
  metrics?.watchReadiness(async () => {
    if (draining) return false;
    const passed = await Promise.all(
      readiness.map(({ check }) =>
        check().then(
          () => true,
          () => false,
        ),
      ),
    );
    return passed.every(Boolean);
  });
  const listening = await listen({ config, app, domain: services.domain, logger, draining: isDraining });
  selfUrl = listening.selfUrl;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  try {
    // A worker of `serve --workers` is scraped through its primary (cluster-metrics.ts).
    if (metrics && cluster.isWorker) shareWithPrimary(metrics.registry);
    else if (metrics && config.metricsPort !== undefined)
      metricsServer = await startMetricsServer({
        port: config.metricsPort,
        host: config.host,
        source: { render: () => metrics.registry.metrics(), contentType: metrics.registry.contentType },
      });
  } catch (error) {
    // A metrics port in use stops the start as a busy PORT does, leaving nothing open behind.
    await listening.close();
    runtime.stop();
    await services.close();
    throw error;
  }
  logger.info(
    {
      issuer: config.issuer,
      port: listening.port,
      ...(metricsServer ? { metricsPort: metricsServer.port } : {}),
      profile: config.profile,
      tokenStore: services.storage.redis ? 'redis' : 'sql',
    },
    'tessera is listening',
  );

  let closing: Promise<void> | undefined;
  const close = ({ drainSeconds = 0 } = {}) => {
    closing ??= (async () => {
      draining = true;
      if (drainSeconds > 0) {
        logger.info({ phase: 'drain', drainSeconds }, 'draining: /readyz answers 503, connections close');
        await new Promise((resolve) => setTimeout(resolve, drainSeconds * 1000));
      }
      logger.info(
        { phase: 'close', graceSeconds: config.shutdownGraceSeconds },
        'closing the listener: in-flight requests finish',
      );
      await listening.close();
      await metricsServer?.close();
      runtime.stop();
      await services.close();
      logger.info({ phase: 'stopped' }, 'tessera stopped');
    })();
    return closing;
  };
  return { url: `http://127.0.0.1:${listening.port}`, server: listening.server, close };
};

/**
 * Starts the server and stops it cleanly: what `npm start` and `tessera serve` run. SIGTERM (what
 * orchestrators send) drains for TESSERA_DRAIN_SECONDS first; SIGINT (Ctrl-C) stops without the
 * drain; a second signal of either kind exits at once.
 */
export const runServer = async (config: Config): Promise<RunningServer> => {
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, logger);
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ signal, phase: 'exit' }, 'second signal: exiting at once');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal, phase: 'shutdown' }, 'shutting down');
      running.close({ drainSeconds: signal === 'SIGTERM' ? config.drainSeconds : 0 }).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return running;
};

if (import.meta.main) {
  try {
    await runServer(loadConfig());
  } catch (error) {
    // Configuration and storage problems are stated plainly; anything else keeps its stack for the operator.
    process.stderr.write(
      `tessera failed to start: ${error instanceof AppError ? error.message : ((error as Error).stack ?? String(error))}\n`,
    );
    process.exit(1);
  }
}
