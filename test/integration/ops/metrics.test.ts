import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createPat, createUser, TOKEN_EXCHANGE, ACCESS_TOKEN_TYPE } from '../../helpers/platform-setup.ts';
import { productionEnv } from '../../helpers/production-env.ts';
import { alertExpressions, dashboardExpressions, metricNames } from '../../helpers/promql-metric-names.ts';
import { parseScrape, type Scrape, scrape, valueOf } from '../../helpers/prometheus-scrape.ts';
import {
  cliJson,
  freePort,
  startTessera,
  suiteScope,
  type TesseraInstance,
} from '../../helpers/tessera-process.ts';
import {
  JWT_API,
  OPAQUE_API,
  postForm,
  type RegisteredClient,
  registerFixtures,
} from '../../helpers/tessera-setup.ts';

/**
 * Prometheus metrics of a real server (production profile: Postgres and Redis), scraped from the
 * listener TESSERA_METRICS_PORT opens, while a service gets tokens, a resource server introspects
 * them and the service revokes them: each counter moves by exactly what was done, with the labels
 * an operator filters on, and the public port never serves them.
 */
describe('Prometheus metrics', () => {
  const scope = suiteScope(after);
  let tessera: TesseraInstance;
  let metricsUrl: string;
  let clients: Awaited<ReturnType<typeof registerFixtures>>;
  let exchanger: RegisteredClient;
  let pat: { token: string; id: string };

  before(async () => {
    const prod = await productionEnv(scope);
    if (!prod) return;
    const metricsPort = await freePort();
    tessera = await startTessera(scope, { ...prod.env, TESSERA_METRICS_PORT: String(metricsPort) });
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    clients = await registerFixtures(prod.env);
    exchanger = await cliJson<RegisteredClient>(prod.env, [
      'clients',
      'create',
      '--name',
      'exchanger',
      '--grant-types',
      TOKEN_EXCHANGE,
      '--resources',
      JWT_API,
    ]);
    await createUser(prod.env, 'dana', ['--admin']);
    pat = await createPat(prod.env, 'dana', 'tokens:read tokens:write groups:read-only');
  });

  const token = async (client: RegisteredClient, resource: string) => {
    const response = await postForm(`${tessera.url}/token`, client, {
      grant_type: 'client_credentials',
      resource,
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const introspect = async (client: RegisteredClient | undefined, value: string) => {
    const response = await postForm(`${tessera.url}/token/introspection`, client, { token: value });
    return { status: response.status, body: (await response.json()) as { active?: boolean } };
  };
  const revoke = async (client: RegisteredClient, value: string) =>
    (await postForm(`${tessera.url}/token/revocation`, client, { token: value })).status;

  test('the public port never serves /metrics; the metrics port serves only /metrics', async () => {
    assert.equal((await fetch(`${tessera.url}/metrics`)).status, 404);
    assert.equal((await fetch(`${tessera.url}/metrics`, { method: 'HEAD' })).status, 404);
    assert.equal((await fetch(metricsUrl.replace('/metrics', '/'))).status, 404);
    assert.equal((await fetch(metricsUrl.replace('/metrics', '/token'))).status, 404);
    const response = await fetch(metricsUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(tessera.logs(), new RegExp(`"metricsPort":${new URL(metricsUrl).port}`));
  });

  test('tokens, introspections, revocations and requests are counted with their labels', async () => {
    const { billing, resourceServer } = clients;
    const before = await scrape(metricsUrl);
    const delta = (after: Scrape, name: string, labels: Record<string, string> = {}) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);

    const jwt = await token(billing, JWT_API);
    const opaque = await token(billing, OPAQUE_API);
    // The fast lane answers the opaque token; a JWT goes through the library's route.
    assert.equal((await introspect(resourceServer, opaque)).body.active, true);
    assert.equal((await introspect(resourceServer, jwt)).body.active, true);
    assert.equal(
      (await introspect(resourceServer, `garbage-${randomBytes(4).toString('hex')}`)).body.active,
      false,
    );
    assert.equal((await introspect(undefined, opaque)).status, 401);
    assert.equal(await revoke(billing, opaque), 200);
    assert.equal(await revoke(billing, jwt), 200);
    assert.equal((await introspect(resourceServer, opaque)).body.active, false);
    assert.equal((await introspect(resourceServer, jwt)).body.active, false);
    const probe = `/nope-${randomBytes(6).toString('hex')}`;
    assert.equal((await fetch(`${tessera.url}${probe}`)).status, 404);
    assert.equal(
      (await fetch(`${tessera.url}/v1/access-tokens/tok_${randomBytes(6).toString('hex')}`)).status,
      401,
    );

    const text = await (await fetch(metricsUrl)).text();
    const after = parseScrape(text);
    const issued = 'tessera_tokens_issued_total';
    assert.equal(delta(after, issued, { grant: 'client_credentials', format: 'jwt', api: JWT_API }), 1);
    assert.equal(delta(after, issued, { grant: 'client_credentials', format: 'opaque', api: OPAQUE_API }), 1);
    assert.equal(delta(after, issued), 2);

    const introspections = 'tessera_introspections_total';
    assert.equal(delta(after, introspections, { result: 'active' }), 2);
    assert.equal(delta(after, introspections, { result: 'inactive' }), 3);
    assert.equal(delta(after, introspections, { result: 'error' }), 1);

    assert.equal(delta(after, 'tessera_revocations_total', { kind: 'opaque' }), 1);
    assert.equal(delta(after, 'tessera_revocations_total', { kind: 'jwt' }), 1);
    assert.equal(delta(after, 'tessera_revocations_total'), 2);

    const requests = 'tessera_http_requests_total';
    assert.equal(delta(after, requests, { route: '/token', method: 'POST', status: '200' }), 2);
    assert.equal(delta(after, requests, { route: '/token/introspection', method: 'POST', status: '200' }), 5);
    assert.equal(delta(after, requests, { route: '/token/introspection', method: 'POST', status: '401' }), 1);
    assert.equal(delta(after, requests, { route: '/token/revocation', method: 'POST', status: '200' }), 2);
    assert.equal(delta(after, requests, { route: 'unmatched', method: 'GET', status: '404' }), 1);
    assert.equal(delta(after, requests, { route: '/v1/access-tokens/:id', method: 'GET', status: '401' }), 1);
    const latency = 'tessera_http_request_duration_seconds_count';
    assert.equal(delta(after, latency, { route: '/token', status: '200' }), 2);
    assert.ok(delta(after, 'tessera_http_request_duration_seconds_sum', { route: '/token' }) > 0);
    // Routes are templates: no raw path, token or probe becomes a label value.
    assert.ok(!text.includes(probe.slice(1)), 'a raw path became a label');
    assert.ok(!text.includes('garbage-'), 'a token became a label');
    const routes = new Set(after.samples.filter((s) => s.name === requests).map((s) => s.labels.route));
    for (const route of routes) assert.match(route ?? '', /^(\/[\w.:*/-]*|unmatched)$/);
  });

  test('a PAT introspected, exchanged for a JWT and revoked through /v1 is counted', async () => {
    const before = await scrape(metricsUrl);
    assert.equal((await introspect(clients.resourceServer, pat.token)).body.active, true);
    const exchanged = await postForm(`${tessera.url}/token`, exchanger, {
      grant_type: TOKEN_EXCHANGE,
      subject_token: pat.token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: JWT_API,
    });
    assert.equal(exchanged.status, 200);
    const revoked = await fetch(`${tessera.url}/v1/access-tokens/${pat.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${pat.token}` },
    });
    assert.equal(revoked.status, 200);
    assert.equal((await introspect(clients.resourceServer, pat.token)).body.active, false);

    const after = await scrape(metricsUrl);
    const delta = (name: string, labels: Record<string, string>) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    assert.equal(
      delta('tessera_tokens_issued_total', { grant: 'token_exchange', format: 'jwt', api: JWT_API }),
      1,
    );
    assert.equal(delta('tessera_introspections_total', { result: 'active' }), 1);
    assert.equal(delta('tessera_introspections_total', { result: 'inactive' }), 1);
    assert.equal(delta('tessera_revocations_total', { kind: 'access_token' }), 1);
    assert.equal(
      delta('tessera_http_requests_total', {
        route: '/v1/access-tokens/:id',
        method: 'DELETE',
        status: '200',
      }),
      1,
    );
  });

  test('caches, store commands, connection state, key ages, readiness and the Node runtime are exported', async () => {
    const { billing } = clients;
    await token(billing, JWT_API);
    const before = await scrape(metricsUrl);
    await token(billing, JWT_API);
    await token(billing, OPAQUE_API);
    const after = await scrape(metricsUrl);
    const delta = (name: string, labels: Record<string, string>) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);

    // The second request of a known client: its record and its credentials come from memory.
    assert.ok(delta('tessera_cache_hits_total', { cache: 'clients' }) >= 2);
    assert.ok(delta('tessera_cache_hits_total', { cache: 'client_credentials' }) >= 2);
    assert.ok(delta('tessera_cache_hits_total', { cache: 'api_resources' }) >= 2);
    assert.ok(valueOf(after, 'tessera_cache_misses_total', { cache: 'clients' }) >= 1);
    // An opaque token is written to Redis.
    assert.ok(delta('tessera_store_command_duration_seconds_count', { store: 'redis' }) >= 1);
    assert.ok(valueOf(after, 'tessera_store_command_duration_seconds_count', { store: 'postgres' }) >= 1);
    assert.equal(valueOf(after, 'tessera_store_command_errors_total', { store: 'redis' }), 0);
    assert.equal(valueOf(after, 'tessera_store_connected', { store: 'redis' }), 1);
    assert.equal(valueOf(after, 'tessera_store_connected', { store: 'postgres' }), 1);
    assert.equal(valueOf(after, 'tessera_ready'), 1);

    const jwks = (await (await fetch(`${tessera.url}/jwks`)).json()) as {
      keys: { kid: string; alg: string }[];
    };
    const ages = after.samples.filter((sample) => sample.name === 'tessera_signing_key_age_seconds');
    assert.ok(ages.length >= 1, 'no signing key age');
    for (const age of ages) {
      assert.ok(jwks.keys.some((key) => key.kid === age.labels.kid && key.alg === age.labels.alg));
      assert.ok(age.value >= 0 && age.value < 24 * 3600, `age ${age.value}`);
    }
    for (const runtime of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      assert.ok(after.families.has(runtime), `${runtime} is missing`);
  });

  test('the exposition is one Prometheus parses, and lints clean for every Tessera metric', async (t) => {
    if (!existsSync('/usr/bin/promtool')) {
      if (process.env.CI === 'true') assert.fail('/usr/bin/promtool is missing; CI requires it');
      t.skip('/usr/bin/promtool is missing (apt-get install prometheus)');
      return;
    }
    const text = await (await fetch(metricsUrl)).text();
    const checked = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    // 0: clean; 3: lint findings only (prom-client's nodejs_active_*_total gauges); 1: unparseable.
    assert.ok(checked.status === 0 || checked.status === 3, `promtool: ${checked.status} ${checked.stderr}`);
    const findings = `${checked.stdout}${checked.stderr}`
      .split('\n')
      .filter((line) => line.startsWith('tessera_'));
    assert.deepEqual(findings, []);
  });

  test('every metric the alert rules and the Grafana dashboard read is one Tessera exports', async () => {
    const { families } = await scrape(metricsUrl);
    // A histogram is read through its _bucket, _sum and _count series.
    const exported = new Set(
      [...families].flatMap(([name, type]) =>
        type === 'histogram' || type === 'summary'
          ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]
          : [name],
      ),
    );
    const unknown = (expressions: { where: string; expr: string }[], alsoKnown: string[] = []) =>
      expressions.flatMap(({ where, expr }) =>
        metricNames(expr)
          .filter((name) => !exported.has(name) && !alsoKnown.includes(name))
          .map((name) => `${where}: ${name}`),
      );

    const alerts = alertExpressions();
    const dashboard = dashboardExpressions();
    assert.ok(alerts.length >= 10 && dashboard.length >= 20, 'the deploy files were not read');
    // `up` is the one series Prometheus records itself, for each target it scrapes.
    assert.deepEqual(unknown(alerts, ['up']), []);
    assert.deepEqual(unknown(dashboard), []);
    // The check can fail: a name Tessera does not export is reported.
    assert.deepEqual(unknown([{ where: 'probe', expr: 'rate(tessera_tokens_minted_total[5m])' }]), [
      'probe: tessera_tokens_minted_total',
    ]);
  });
});
