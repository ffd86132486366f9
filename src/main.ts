import type { Server } from 'node:http';
import { listen } from './composition/listen.ts';
import { ensureBuiltIns } from './composition/ensure-built-ins.ts';
import { createHttpApp } from './composition/http-app.ts';
import { createSsfTransmitter } from './composition/ssf-transmitter.ts';
import { openServices } from './composition/open-services.ts';
import { startProviderRuntime } from './composition/provider-runtime.ts';
import { type Config, loadConfig } from './config/load-config.ts';
import { AppError } from './errors.ts';
import { createLogger, type Logger } from './logging/create-logger.ts';
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

/** Storage and the domain, with the server's background work: the expiry sweep, "last used", webhooks. */
const openServerServices = async (config: Config, logger: Logger) => {
  const onBackgroundError = (error: unknown) => logger.error({ err: error }, 'background task failed');
  // One line per change of a store's connection state (component, state, code), never per request.
  const onConnectionChange = (transition: ConnectionTransition) =>
    transition.state === 'connected'
      ? logger.info(transition, `${transition.component} connected`)
      : logger.warn(transition, `${transition.component} unreachable`);
  const services = await openServices(config, {
    migrate: true,
    onBackgroundError,
    failFast: { onConnectionChange },
  });
  const stopSweep = services.storage.startExpirySweep(10 * 60_000);
  services.domain.lastUsed.start();
  // Every instance sends webhooks; the queue in Postgres keeps them from sending one twice.
  services.domain.webhookDispatcher.start();
  services.domain.tokenNotices.start();
  await ensureBuiltIns(services.storage, config.issuer, logger);
  return {
    ...services,
    async close() {
      stopSweep();
      await services.domain.tokenNotices.stop();
      await services.domain.webhookDispatcher.stop();
      await services.close();
    },
  };
};

/**
 * The composition root, one step each: storage and domain → signing keys and the provider runtime
 * → the HTTP app → listen; `close` undoes them in reverse.
 */
export const startServer = async (
  config: Config,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningServer> => {
  const services = await openServerServices(config, logger);
  const runtime = await startProviderRuntime({ config, services, logger });
  let selfUrl = config.issuer;
  let draining = false;
  const isDraining = () => draining;
  const ssf = createSsfTransmitter({ config, services, runtime, logger });
  const stopSsf = ssf.start();
  const app = createHttpApp({
    config,
    services,
    runtime,
    logger,
    ssf,
    selfUrl: () => selfUrl,
    draining: isDraining,
  });
  const listening = await listen({ config, app, domain: services.domain, logger, draining: isDraining });
  selfUrl = listening.selfUrl;
  logger.info(
    {
      issuer: config.issuer,
      port: listening.port,
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
      stopSsf();
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
