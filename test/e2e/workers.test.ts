import assert from 'node:assert/strict';
import { test } from 'node:test';
import { productionEnv } from '../helpers/production-env.ts';
import { scrape, valueOf } from '../helpers/prometheus-scrape.ts';
import { freePort, startTessera } from '../helpers/tessera-process.ts';
import { JWT_API, postForm, registerFixtures } from '../helpers/tessera-setup.ts';

test('tessera serve --workers 2 runs two worker processes on one port and stops them on SIGTERM', async (t) => {
  const production = await productionEnv(t);
  if (!production) return;
  const tessera = await startTessera(t, production.env, {
    args: ['src/cli/main.ts', 'serve', '--workers', '2'],
    listeners: 2,
  });
  const pids = new Set(
    [...tessera.logs().matchAll(/"pid":(\d+)[^\n]*"tessera is listening"/g)].map((match) => match[1]),
  );
  assert.equal(pids.size, 2, 'two distinct worker processes listen');

  const { billing } = await registerFixtures(production.env);
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      postForm(`${tessera.url}/token`, billing, { grant_type: 'client_credentials', resource: JWT_API }),
    ),
  );
  assert.deepEqual(new Set(answers.map((response) => response.status)), new Set([200]));
  assert.equal(await tessera.stop(), 0);
});

test('serve --workers 2: the primary alone serves the metrics port, with every worker counted once', async (t) => {
  const production = await productionEnv(t);
  if (!production) return;
  const metricsPort = await freePort();
  const tessera = await startTessera(
    t,
    { ...production.env, TESSERA_METRICS_PORT: String(metricsPort) },
    { args: ['src/cli/main.ts', 'serve', '--workers', '2'], listeners: 2 },
  );
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const { billing } = await registerFixtures(production.env);
  // Concurrent requests on fresh connections: both workers answer some.
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      postForm(`${tessera.url}/token`, billing, { grant_type: 'client_credentials', resource: JWT_API }),
    ),
  );
  assert.deepEqual(new Set(answers.map((response) => response.status)), new Set([200]));
  assert.equal((await fetch(`${tessera.url}/metrics`)).status, 404);

  // Whichever process a scrape would reach, the answer is the sum over the workers, every time.
  for (let scrapeNumber = 0; scrapeNumber < 3; scrapeNumber++) {
    const scraped = await scrape(metricsUrl);
    const issued = { grant: 'client_credentials', format: 'jwt', api: JWT_API };
    assert.equal(valueOf(scraped, 'tessera_tokens_issued_total', issued), 20);
    assert.equal(
      valueOf(scraped, 'tessera_http_requests_total', { route: '/token', method: 'POST', status: '200' }),
      20,
    );
    assert.equal(valueOf(scraped, 'tessera_ready'), 1);
    assert.equal(valueOf(scraped, 'tessera_store_connected', { store: 'postgres' }), 1);
  }
  assert.equal(await tessera.stop(), 0);
});

test('--workers is refused in the embedded profile as a usage mistake, naming the flag', async (t) => {
  const { runCli, testEnv } = await import('../helpers/tessera-process.ts');
  const result = await runCli(testEnv(t), ['serve', '--workers', '2']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--workers needs the production profile/);
});
