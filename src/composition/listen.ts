import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Config } from '../config/load-config.ts';
import type { Domain } from '../domain/create-domain.ts';
import { controlSocketPath } from '../embedded/control-socket-path.ts';
import { startControlSocket } from '../embedded/control-socket-server.ts';
import type { Logger } from '../logging/create-logger.ts';

export type ListenDeps = {
  config: Pick<Config, 'port' | 'host' | 'profile' | 'dataDir' | 'shutdownGraceSeconds'>;
  app: Koa;
  /** What the embedded profile's control socket runs the CLI's operations against. */
  domain: Domain;
  logger: Logger;
  /** True once the server drains (SIGTERM): every response then closes its connection. */
  draining: () => boolean;
};

/** This process as seen from itself: a wildcard listen address is reached on loopback. */
const loopbackUrl = ({ address, port }: AddressInfo): string => {
  const host = ['0.0.0.0', '::', '::ffff:0.0.0.0'].includes(address) ? '127.0.0.1' : address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
};

/**
 * Serves the app on the configured port, and (embedded profile) the control socket the CLI uses
 * while this process owns the database. `close` stops accepting, lets in-flight requests finish
 * within the grace period, then cuts what is left.
 */
export const listen = async ({ config, app, domain, logger, draining }: ListenDeps) => {
  const handle = app.callback();
  const server: Server = createServer((req, res) => {
    // While draining, each connection closes after its next response, so keep-alive clients (a
    // load balancer's pool) reconnect elsewhere. shouldKeepAlive survives koa's error handler,
    // which removes every header; node then writes `Connection: close` itself.
    if (draining()) {
      res.shouldKeepAlive = false;
      res.setHeader('Connection', 'close');
    }
    void handle(req, res);
  });
  server.keepAliveTimeout = 65_000; // longer than common load balancer idle timeouts
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const control =
    config.profile === 'embedded'
      ? await startControlSocket({ path: controlSocketPath(config.dataDir), domain, logger })
      : undefined;
  const address = server.address() as AddressInfo;

  return {
    server,
    port: address.port,
    selfUrl: loopbackUrl(address),
    async close() {
      await control?.close();
      // Stop accepting and close idle keep-alive connections now (after the drain, nobody sends on
      // them any more); connections with a request in flight close after their response, and
      // the grace period cuts what is left.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceSeconds * 1000);
      await drained;
      clearTimeout(grace);
    },
  };
};
