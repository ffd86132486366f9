import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allocatePort } from '../../helpers/fault/ports.ts';
import { type PostgresServer, startPostgresServer } from '../../helpers/fault/postgres-server.ts';
import { type RedisServer, startRedisServer } from '../../helpers/fault/redis-server.ts';
import {
  type FaultTesseraInstance,
  startTesseraInstance,
  tesseraDeploymentEnv,
} from '../../helpers/fault/tessera-instance.ts';
import { waitUntil } from '../../helpers/fault/wait-until.ts';
import { type Scrape, scrape, valueOf } from '../../helpers/prometheus-scrape.ts';
import { suiteScope } from '../../helpers/tessera-process.ts';
import { JWT_API, OPAQUE_API, postForm, registerFixtures } from '../../helpers/tessera-setup.ts';

/**
 * What the alerts TesseraPostgresBreakerOpen, TesseraRedisDisconnected, TesseraNotReady and the
 * store error alerts read, while a store of the test's own is really stopped and started again:
 * the gauges drop to 0 and come back to 1, and the refused commands are counted.
 */
describe('store outages in the metrics', () => {
  const scope = suiteScope(after);
  let postgres: PostgresServer;
  let redis: RedisServer;
  let tessera: FaultTesseraInstance;
  let metricsUrl: string;

  before(async () => {
    [postgres, redis] = await Promise.all([startPostgresServer(scope), startRedisServer(scope)]);
    const metricsPort = await allocatePort();
    const env = tesseraDeploymentEnv(scope, {
      databaseUrl: postgres.url,
      redisUrl: redis.url,
      env: { TESSERA_METRICS_PORT: String(metricsPort) },
    });
    tessera = await startTesseraInstance(scope, env);
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const { billing } = await registerFixtures(env);
    for (const resource of [JWT_API, OPAQUE_API])
      assert.equal(
        (await postForm(`${tessera.url}/token`, billing, { grant_type: 'client_credentials', resource }))
          .status,
        200,
      );
  });

  /** Asks /readyz (which pings every store) until the scrape says what `expected` wants. */
  const scrapeUntil = async (what: string, expected: (scraped: Scrape) => boolean): Promise<Scrape> => {
    let last: Scrape | undefined;
    await waitUntil(
      what,
      async () => {
        await (await fetch(`${tessera.url}/readyz`)).arrayBuffer();
        last = await scrape(metricsUrl);
        return expected(last);
      },
      { timeoutMs: 10_000 },
    );
    return last as Scrape;
  };
  const connected = (scraped: Scrape, store: string) =>
    valueOf(scraped, 'tessera_store_connected', { store });
  const errors = (scraped: Scrape, store: string) =>
    valueOf(scraped, 'tessera_store_command_errors_total', { store });

  test('PostgreSQL stopped: the breaker opens (connected 0), not ready, refused queries counted; back to 1 after', async () => {
    const healthy = await scrape(metricsUrl);
    assert.equal(connected(healthy, 'postgres'), 1);
    assert.equal(valueOf(healthy, 'tessera_ready'), 1);

    await postgres.stop();
    const down = await scrapeUntil('the breaker open in the metrics', (s) => connected(s, 'postgres') === 0);
    assert.equal(valueOf(down, 'tessera_ready'), 0);
    assert.ok(errors(down, 'postgres') > errors(healthy, 'postgres'));
    assert.equal(
      valueOf(down, 'tessera_store_disconnects_total', { store: 'postgres' }) -
        valueOf(healthy, 'tessera_store_disconnects_total', { store: 'postgres' }),
      1,
    );
    assert.equal(connected(down, 'redis'), 1);

    await postgres.start();
    const back = await scrapeUntil('PostgreSQL back in the metrics', (s) => connected(s, 'postgres') === 1);
    await scrapeUntil('ready again', (s) => valueOf(s, 'tessera_ready') === 1);
    assert.equal(valueOf(back, 'tessera_store_disconnects_total', { store: 'postgres' }), 1);
  });

  test('Redis stopped: connected 0, not ready, failed commands counted; back to 1 after', async () => {
    const healthy = await scrape(metricsUrl);
    assert.equal(connected(healthy, 'redis'), 1);

    await redis.stop();
    const down = await scrapeUntil('Redis down in the metrics', (s) => connected(s, 'redis') === 0);
    assert.equal(valueOf(down, 'tessera_ready'), 0);
    assert.ok(errors(down, 'redis') > errors(healthy, 'redis'));
    assert.equal(connected(down, 'postgres'), 1);

    await redis.start();
    await scrapeUntil('Redis back in the metrics', (s) => connected(s, 'redis') === 1);
    await scrapeUntil('ready again', (s) => valueOf(s, 'tessera_ready') === 1);
  });
});
