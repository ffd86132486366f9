import type { Server } from 'node:http';
import { listen } from './composition/listen.ts';
import { ensureBuiltIns } from './composition/ensure-built-ins.ts';
import { createHttpApp } from './composition/http-app.ts';
import { openServices } from './composition/open-services.ts';
import { startProviderRuntime } from './composition/provider-runtime.ts';
import { type Config, loadConfig } from './config/load-config.ts';
import { AppError } from './errors.ts';
import { createLogger, type Logger } from './logging/create-logger.ts';
import type { ConnectionTransition } from './storage/connection-state.ts';

export type RunningServer = { url: string; server: Server; close: () => Promise<void> };

/** Storage and the domain, with the server's background work: the expiry sweep and "last used". */
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
  const app = createHttpApp({ config, services, runtime, logger, selfUrl: () => selfUrl });
  const listening = await listen({ config, app, domain: services.domain, logger });
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
  const close = () => {
    closing ??= (async () => {
      await listening.close();
      runtime.stop();
      await services.close();
      logger.info('tessera stopped');
    })();
    return closing;
  };
  return { url: `http://127.0.0.1:${listening.port}`, server: listening.server, close };
};

/** Starts the server and stops it cleanly on SIGTERM / SIGINT: what `npm start` and `tessera serve` run. */
export const runServer = async (config: Config): Promise<RunningServer> => {
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      running.close().then(
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
