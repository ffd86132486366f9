import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shippedHaproxyConfig } from '../../../deploy/kit/shipped-haproxy-config.ts';
import { startHaproxy } from '../../helpers/fault/haproxy.ts';
import { allocatePorts } from '../../helpers/fault/ports.ts';
import { startRedisServer } from '../../helpers/fault/redis-server.ts';
import { steadyLoad } from '../../helpers/fault/steady-load.ts';
import {
  type FaultTesseraInstance,
  startTesseraInstance,
  tesseraDeploymentEnv,
} from '../../helpers/fault/tessera-instance.ts';
import { productionEnv } from '../../helpers/production-env.ts';
import { cliJson, runCli } from '../../helpers/tessera-process.ts';
import { registerFixtures } from '../../helpers/tessera-setup.ts';

/**
 * The README's promise: behind deploy/haproxy.cfg, a rolling restart (SIGTERM one instance, wait
 * for it to exit, start it again, wait until it is UP; then the next) loses no request. Two
 * production-profile instances share a fresh database and a private Redis; clients keep asking
 * for tokens and introspecting them over keep-alive connections throughout.
 */

test('a rolling restart of two instances behind deploy/haproxy.cfg loses no request', async (t) => {
  const production = await productionEnv(t);
  if (!production) return;
  const redis = await startRedisServer(t);
  const ports = await allocatePorts(2);
  const names = ['tessera1', 'tessera2'];
  const haproxy = await startHaproxy(t, {
    backends: ports.map((port, index) => ({ name: names[index] ?? '', port })),
    render: shippedHaproxyConfig,
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
