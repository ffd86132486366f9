import { createServer } from 'node:http';
import Koa from 'koa';

/**
 * Per-core limit of the HTTP stack Tessera and oidc-provider share: a bare koa app answering a
 * tiny JSON to any request, loaded exactly like the token endpoint. PORT from the environment.
 */
const port = Number(process.env.PORT);
const app = new Koa();
app.use((ctx) => {
  ctx.body = { ok: true };
});

const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`koa listening on ${port}`));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
