import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Prometheus scrape endpoint, on a listener of its own (TESSERA_METRICS_PORT) so it is never
 * reachable through the public port or the load balancer: it answers `GET /metrics` and 404 to
 * anything else. `render` is the exposition: one registry's, or (serve --workers) every worker's
 * gathered by the primary (cluster-metrics.ts).
 */
export type MetricsSource = { render: () => Promise<string>; contentType: string };

export const startMetricsServer = async (options: { port: number; host: string; source: MetricsSource }) => {
  const { source } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    source.render().then(
      (text) => res.writeHead(200, { 'content-type': source.contentType }).end(text),
      () => res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
