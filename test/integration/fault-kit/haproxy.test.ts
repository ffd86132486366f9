import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { startHaproxy } from '../../helpers/fault/haproxy.ts';
import { type Scope } from '../../helpers/tessera-process.ts';

/** A stand-in for a Tessera instance: names itself, and /readyz answers what the test sets. */
const startBackend = async (t: Scope, name: string, { hangUp = false } = {}) => {
  let ready = true;
  const server: Server = createServer((request, response) => {
    if (request.url === '/readyz') response.writeHead(ready ? 200 : 503).end();
    // As a process killed mid-request does: the connection closes without an answer.
    else if (hangUp) request.socket.destroy();
    else response.writeHead(200, { 'content-type': 'text/plain' }).end(name);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  t.after(() => new Promise((closed) => server.close(closed)));
  return {
    name,
    port: (server.address() as { port: number }).port,
    setReady: (value: boolean) => {
      ready = value;
    },
  };
};

const answeredBy = async (url: string, count: number) => {
  const names = new Set<string>();
  for (let index = 0; index < count; index++) names.add(await (await fetch(url)).text());
  return names;
};

test('haproxy balances over backends that pass /readyz, takes one out of rotation, and reloads a new list', async (t) => {
  const [a, b, c] = [await startBackend(t, 'a'), await startBackend(t, 'b'), await startBackend(t, 'c')];
  const started = Date.now();
  const haproxy = await startHaproxy(t, { backends: [a, b] });
  await haproxy.waitForServers('UP');
  const startMs = Date.now() - started;
  assert.deepEqual(await answeredBy(haproxy.url, 4), new Set(['a', 'b']));

  b.setReady(false);
  await haproxy.waitForServers('DOWN', ['b']);
  assert.deepEqual(
    await answeredBy(haproxy.url, 4),
    new Set(['a']),
    'a backend failing /readyz gets no traffic',
  );
  b.setReady(true);
  await haproxy.waitForServers('UP', ['b']);

  await haproxy.setServerState('a', 'maint');
  assert.equal((await haproxy.serverStatus()).a, 'MAINT');
  assert.deepEqual(await answeredBy(haproxy.url, 4), new Set(['b']));

  const reloadStarted = Date.now();
  await haproxy.setBackends([b, c]);
  await haproxy.waitForServers('UP');
  const reloadMs = Date.now() - reloadStarted;
  assert.deepEqual(Object.keys(await haproxy.serverStatus()).sort(), ['b', 'c']);
  assert.deepEqual(await answeredBy(haproxy.url, 4), new Set(['b', 'c']));
  t.diagnostic(`haproxy up with healthy backends in ${startMs} ms; reload to a new list in ${reloadMs} ms`);

  await haproxy.stop();
  await assert.rejects(fetch(haproxy.url), 'a stopped haproxy refuses connections');
});

test('haproxy retries an idempotent request on another backend after an empty response, and not a POST', async (t) => {
  const healthy = await startBackend(t, 'healthy');
  const hangsUp = await startBackend(t, 'hangs-up', { hangUp: true });
  const haproxy = await startHaproxy(t, { backends: [hangsUp, healthy] });
  await haproxy.waitForServers('UP');

  for (let index = 0; index < 4; index++) {
    const response = await fetch(haproxy.url);
    assert.equal(response.status, 200, 'every GET is answered, retried on the healthy backend when needed');
    assert.equal(await response.text(), 'healthy');
  }
  // HAProxy answers 502, or closes the connection silently when it was not the first request on it.
  const posts = await Promise.all(
    Array.from({ length: 4 }, () =>
      fetch(haproxy.url, { method: 'POST', body: 'x' }).then(
        (response) => String(response.status),
        () => 'connection closed',
      ),
    ),
  );
  assert.ok(
    posts.some((outcome) => outcome !== '200'),
    `a POST that reached the hanging-up backend is not retried (${posts.join(', ')})`,
  );
});
