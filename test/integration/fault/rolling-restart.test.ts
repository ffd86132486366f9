import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HaproxyFiles, HaproxyOptions } from '../../helpers/fault/haproxy-config.ts';
import { startHaproxy } from '../../helpers/fault/haproxy.ts';
import { allocatePorts } from '../../helpers/fault/ports.ts';
import { startRedisServer } from '../../helpers/fault/redis-server.ts';
import {
  type FaultTesseraInstance,
  startTesseraInstance,
  tesseraDeploymentEnv,
} from '../../helpers/fault/tessera-instance.ts';
import { productionEnv } from '../../helpers/production-env.ts';
import { cliJson, ROOT, runCli } from '../../helpers/tessera-process.ts';
import { basicAuth, form, OPAQUE_API, registerFixtures } from '../../helpers/tessera-setup.ts';

/**
 * The README's promise: behind deploy/haproxy.cfg, a rolling restart (SIGTERM one instance, wait
 * for it to exit, start it again, wait until it is UP; then the next) loses no request. Two
 * production-profile instances share a fresh database and a private Redis; clients keep asking
 * for tokens and introspecting them over keep-alive connections throughout.
 */

/** deploy/haproxy.cfg as shipped, with the test's addresses and the kit's admin socket. */
const deployConfig = (options: HaproxyOptions, files: HaproxyFiles): string => {
  const shipped = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8');
  assert.match(shipped, /^ {2}bind :80$/m);
  const lines = shipped
    .replace(/^ {2}bind :80$/m, `  bind 127.0.0.1:${files.port}`)
    .replace(
      /^global$/m,
      `global\n  stats socket ${files.adminSocket} mode 600 level admin expose-fd listeners`,
    )
    .split('\n')
    .filter((line) => !/^ {2}server /.test(line));
  const servers = options.backends.map(
    ({ name, host = '127.0.0.1', port }) => `  server ${name} ${host}:${port}`,
  );
  return [...lines, ...servers, ''].join('\n');
};

type Load = { ok: number; errors: string[]; stop: () => Promise<void> };

/**
 * `workers` clients in a loop: a client-credentials token, then its introspection; and one
 * platform syncing a resource through the management API with an administrator's PAT.
 */
const steadyLoad = (
  url: string,
  client: { client_id: string; client_secret: string },
  introspector: { client_id: string; client_secret: string },
  admin: string,
  workers: number,
): Load => {
  const load: Load = { ok: 0, errors: [], stop: async () => {} };
  let running = true;
  const post = async (path: string, who: typeof client, values: Record<string, string>) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(who) },
      body: form(values),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${path} ${response.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const loop = async () => {
    while (running) {
      try {
        const issued = await post('/token', client, {
          grant_type: 'client_credentials',
          resource: OPAQUE_API,
          scope: 'instances:read-only',
        });
        const answer = await post('/token/introspection', introspector, {
          token: String(issued.access_token),
        });
        if (answer.active !== true) throw new Error(`introspection: ${JSON.stringify(answer)}`);
        load.ok += 1;
      } catch (error) {
        load.errors.push(`${new Date().toISOString()} ${(error as Error).message}`);
      }
    }
  };
  // PUT is never replayed by the configuration (only connection failures are retried): these
  // requests pass only if no instance ever closes a connection a request is being sent on.
  const sync = async () => {
    let name = 0;
    while (running) {
      try {
        const response = await fetch(`${url}/v1/resources/groups/7`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
          body: JSON.stringify({ name: `group ${(name += 1)}`, parent: null }),
        });
        const text = await response.text();
        if (![200, 201].includes(response.status))
          throw new Error(`PUT ${response.status}: ${text.slice(0, 200)}`);
        load.ok += 1;
      } catch (error) {
        load.errors.push(`${new Date().toISOString()} ${(error as Error).message}`);
      }
    }
  };
  const loops = [...Array.from({ length: workers }, loop), sync()];
  load.stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  return load;
};

test('a rolling restart of two instances behind deploy/haproxy.cfg loses no request', async (t) => {
  const production = await productionEnv(t);
  if (!production) return;
  const redis = await startRedisServer(t);
  const ports = await allocatePorts(2);
  const names = ['tessera1', 'tessera2'];
  const haproxy = await startHaproxy(t, {
    backends: ports.map((port, index) => ({ name: names[index] ?? '', port })),
    render: deployConfig,
  });
  const env = tesseraDeploymentEnv(t, {
    databaseUrl: production.databaseUrl,
    redisUrl: redis.url,
    issuer: haproxy.url,
    // The default drain, which the configuration's health check timing is made for.
    env: { TESSERA_DRAIN_SECONDS: '5' },
  });
  // One at a time: the first migrates the empty database.
  const instances: FaultTesseraInstance[] = [];
  for (const port of ports) instances.push(await startTesseraInstance(t, env, { port }));
  await haproxy.waitForServers('UP', names, { timeoutMs: 20_000 });
  const { billing, resourceServer } = await registerFixtures(env);
  const created = await runCli(
    env,
    ['users', 'create', '--username', 'platform', '--admin', '--password-stdin', '--json'],
    'correct horse battery staple\n',
  );
  assert.equal(created.code, 0, created.stderr);
  const { token: admin } = await cliJson<{ token: string }>(env, [
    'tokens',
    'create',
    '--user',
    'platform',
    '--name',
    'sync',
    '--scopes',
    'resources:write',
  ]);

  const load = steadyLoad(haproxy.url, billing, resourceServer, admin, 4);
  try {
    for (const [index, name] of names.entries()) {
      const before = load.ok;
      const stopping = instances[index];
      assert.ok(stopping);
      const code = await stopping.kill('SIGTERM');
      assert.equal(code, 0, `${name} exits cleanly after its drain:\n${stopping.logs().slice(-2000)}`);
      assert.match(stopping.logs(), /"phase":"drain"/);
      instances[index] = await startTesseraInstance(t, env, { port: ports[index] });
      await haproxy.waitForServers('UP', [name], { timeoutMs: 20_000 });
      assert.ok(load.ok > before, `requests were served while ${name} restarted`);
      t.diagnostic(`${name} restarted; ${load.ok} request pairs so far, ${load.errors.length} errors`);
    }
  } finally {
    await load.stop();
  }
  const served = Object.fromEntries(
    (await haproxy.stats())
      .filter((row) => row.pxname === 'tessera' && names.includes(row.svname ?? ''))
      .map((row) => [row.svname, Number(row.stot)]),
  );
  t.diagnostic(
    `${load.ok} token + introspection pairs and PUTs; requests per instance ${JSON.stringify(served)}`,
  );
  assert.deepEqual(load.errors, [], 'no client saw an error');
  for (const name of names) assert.ok((served[name] ?? 0) > 0, `${name} served requests`);
});
