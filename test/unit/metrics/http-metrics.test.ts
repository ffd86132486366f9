import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Router } from '@koa/router';
import Koa from 'koa';
import { createMetrics } from '../../../src/metrics/create-metrics.ts';
import { httpMetrics } from '../../../src/metrics/http-metrics.ts';
import { parseScrape, valueOf } from '../../helpers/prometheus-scrape.ts';

/** A koa app as Tessera builds it: the metrics first, a router with a template, a raw handler. */
const serve = async (t: { after: (fn: () => unknown) => void }) => {
  const metrics = createMetrics();
  const app = new Koa();
  const router = new Router({ prefix: '/v1' });
  router.get('/access-tokens/:id', (ctx) => {
    ctx.status = 401;
  });
  app.use(httpMetrics(metrics));
  app.use(router.routes());
  app.use((ctx, next) => {
    // As the provider does: it writes to the raw response, outside koa's flow.
    if (ctx.path !== '/token') return next();
    ctx.respond = false;
    ctx.res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    return undefined;
  });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { metrics, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

test('counts each request under its route template, method and status, never its raw path', async (t) => {
  const { metrics, url } = await serve(t);
  await (await fetch(`${url}/v1/access-tokens/tok_secret123`)).arrayBuffer();
  await (await fetch(`${url}/v1/access-tokens/tok_other456`)).arrayBuffer();
  await (await fetch(`${url}/token`, { method: 'POST' })).arrayBuffer();
  await (await fetch(`${url}/wp-admin/setup.php`)).arrayBuffer();
  await (await fetch(`${url}/assets/app-1234.css`)).arrayBuffer();
  await (await fetch(`${url}/token`, { method: 'PROPFIND' })).arrayBuffer();

  const text = await metrics.registry.metrics();
  const scraped = parseScrape(text);
  const count = (labels: Record<string, string>) => valueOf(scraped, 'tessera_http_requests_total', labels);
  assert.equal(count({ route: '/v1/access-tokens/:id', method: 'GET', status: '401' }), 2);
  assert.equal(count({ route: '/token', method: 'POST', status: '200' }), 1);
  assert.equal(count({ route: '/token', method: 'OTHER', status: '200' }), 1);
  assert.equal(count({ route: 'unmatched', method: 'GET', status: '404' }), 1);
  assert.equal(count({ route: '/assets/*', method: 'GET', status: '404' }), 1);
  assert.equal(
    valueOf(scraped, 'tessera_http_request_duration_seconds_count', { route: '/v1/access-tokens/:id' }),
    2,
  );
  for (const raw of ['tok_secret123', 'tok_other456', 'wp-admin', 'app-1234', 'PROPFIND'])
    assert.ok(!text.includes(raw), `${raw} became a label value`);
});
