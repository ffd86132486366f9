import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHaproxy } from '../../helpers/fault/haproxy.ts';
import { allocatePorts } from '../../helpers/fault/ports.ts';
import { startPostgresServer } from '../../helpers/fault/postgres-server.ts';
import { startRedisServer } from '../../helpers/fault/redis-server.ts';
import { startTesseraInstance, tesseraDeploymentEnv } from '../../helpers/fault/tessera-instance.ts';

test('two Tessera instances on a private Postgres and Redis serve through haproxy, and one killed leaves the other serving', async (t) => {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await step();
    } finally {
      timings[name] = Date.now() - started;
    }
  };
  const [postgres, redis] = await Promise.all([
    timed('postgres', () => startPostgresServer(t)),
    timed('redis', () => startRedisServer(t)),
  ]);
  const ports = await allocatePorts(2);
  const haproxy = await startHaproxy(t, {
    backends: ports.map((port, index) => ({ name: `tessera${index}`, port })),
  });
  const env = tesseraDeploymentEnv(t, {
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    issuer: haproxy.url,
  });
  // One at a time: the first migrates the empty database.
  const first = await timed('first instance', () => startTesseraInstance(t, env, { port: ports[0] }));
  const second = await timed('second instance', () => startTesseraInstance(t, env, { port: ports[1] }));
  await timed('haproxy sees both ready', () => haproxy.waitForServers('UP'));

  const discovery = (await (await fetch(`${haproxy.url}/.well-known/openid-configuration`)).json()) as {
    issuer: string;
  };
  assert.equal(discovery.issuer, haproxy.url);
  assert.equal((await fetch(`${haproxy.url}/readyz`)).status, 200);
  const migrated = await postgres.query('select count(*)::int as count from knex_migrations');
  assert.ok(Number(migrated[0]?.count) > 0, 'the instances migrated the private database');
  assert.match(String(await redis.command(['CLIENT', 'LIST'])), /name=tessera/, 'they use the private Redis');

  await first.kill();
  await haproxy.waitForServers('DOWN', ['tessera0']);
  for (let index = 0; index < 4; index++) assert.equal((await fetch(`${haproxy.url}/jwks`)).status, 200);
  assert.equal(second.env.TESSERA_ISSUER, haproxy.url);
  t.diagnostic(
    Object.entries(timings)
      .map(([name, ms]) => `${name} ${ms} ms`)
      .join('; '),
  );
});
