import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { waitUntil } from '../../helpers/fault/wait-until.ts';
import { productionEnv } from '../../helpers/production-env.ts';
import { startTessera, testEnv } from '../../helpers/tessera-process.ts';

/**
 * SIGTERM as an orchestrator sends it (embedded profile, a real child process): /readyz leaves
 * the rotation at once, everything else still answers but closes its connection, and once the
 * drain is over the process exits as soon as it is idle, releasing the data directory.
 */
type Answer = { status: number; connection: string | undefined; body: string };

const get = (url: string, agent: Agent): Promise<Answer> =>
  new Promise((done, fail) => {
    const req = request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on('error', fail);
    req.end();
  });

const exitOf = (child: { once: (event: 'exit', listener: (code: number | null) => void) => unknown }) =>
  new Promise<number | null>((done) => child.once('exit', done));

// Concurrently: each test waits mostly for its own child process to start.
describe('stopping on a signal', { concurrency: true }, () => {
  test('SIGTERM: /readyz 503 at once, other routes answer with Connection: close, then a prompt exit when idle', async (t) => {
    const env = testEnv(t, { TESSERA_DRAIN_SECONDS: '1', TESSERA_SHUTDOWN_GRACE_SECONDS: '20' });
    const tessera = await startTessera(t, env);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    t.after(() => agent.destroy());

    const before = await get(`${tessera.url}/readyz`, agent);
    assert.equal(before.status, 200);
    assert.equal(before.connection, 'keep-alive');
    // Another client's keep-alive connection, opened now and idle from here on: it must not hold
    // the process past the drain.
    const idle = new Agent({ keepAlive: true });
    t.after(() => idle.destroy());
    assert.equal((await get(`${tessera.url}/healthz`, idle)).status, 200);
    assert.equal(Object.values(idle.freeSockets).flat().length, 1);

    const exited = exitOf(tessera.process);
    const signalled = Date.now();
    tessera.process.kill('SIGTERM');
    await waitUntil('the drain to start', () => tessera.logs().includes('"phase":"drain"'));

    const readyz = await get(`${tessera.url}/readyz`, agent);
    assert.equal(readyz.status, 503);
    assert.deepEqual(JSON.parse(readyz.body), { status: 'draining' });
    assert.equal(readyz.connection, 'close');
    const jwks = await get(`${tessera.url}/jwks`, agent);
    assert.equal(jwks.status, 200, 'the listener still serves while draining');
    assert.equal(jwks.connection, 'close');
    const healthz = await get(`${tessera.url}/healthz`, agent);
    assert.equal(healthz.status, 200);
    assert.equal(healthz.connection, 'close');
    assert.equal(await exited, 0);
    const stoppedAfterMs = Date.now() - signalled;
    // The drain is 1 s and the grace 20 s: an idle server exits right after the drain.
    assert.ok(stoppedAfterMs >= 1_000, `the drain lasted ${stoppedAfterMs} ms, less than 1 s`);
    assert.ok(
      stoppedAfterMs < 10_000,
      `exited ${stoppedAfterMs} ms after SIGTERM, not right after the drain`,
    );
    const phases = [...tessera.logs().matchAll(/"phase":"(\w+)"/g)].map((match) => match[1]);
    assert.deepEqual(phases, ['shutdown', 'drain', 'close', 'stopped']);
    assert.equal(existsSync(join(env.TESSERA_DATA_DIR ?? '', 'pglite.lock')), false, 'data dir unlocked');
  });

  test('a second signal exits at once, without waiting for the drain', async (t) => {
    const production = await productionEnv(t, { TESSERA_DRAIN_SECONDS: '120' });
    if (!production) return;
    const { env } = production;
    const tessera = await startTessera(t, env);
    const exited = exitOf(tessera.process);
    tessera.process.kill('SIGTERM');
    await waitUntil('the drain to start', () => tessera.logs().includes('"phase":"drain"'));
    tessera.process.kill('SIGTERM');
    assert.equal(await exited, 1);
    assert.match(tessera.logs(), /second signal: exiting at once/);
  });

  test('SIGINT (Ctrl-C) stops without the drain period', async (t) => {
    const production = await productionEnv(t, { TESSERA_DRAIN_SECONDS: '120' });
    if (!production) return;
    const { env } = production;
    const tessera = await startTessera(t, env);
    const exited = exitOf(tessera.process);
    tessera.process.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.doesNotMatch(tessera.logs(), /"phase":"drain"/);
  });
});
