import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { startTcpProxy } from '../../helpers/fault/tcp-proxy.ts';
import { waitUntil } from '../../helpers/fault/wait-until.ts';
import { type Scope } from '../../helpers/tessera-process.ts';

const startEchoServer = async (t: Scope) => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((closed) => server.close(closed));
  });
  return (server.address() as { port: number }).port;
};

/** A client whose received bytes the test reads as one string. */
const openClient = async (t: Scope, port: number) => {
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let received = '';
  let closed = false;
  socket.on('data', (chunk) => {
    received += chunk;
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await new Promise((connected) => socket.once('connect', connected));
  return { socket, received: () => received, closed: () => closed };
};

/** Long enough for a byte to cross loopback twice if nothing holds it. */
const settle = () => new Promise((done) => setTimeout(done, 100));

test('a paused proxy holds bytes and delivers them in order on resume', async (t) => {
  const proxy = await startTcpProxy(t, { target: { port: await startEchoServer(t) } });
  const client = await openClient(t, proxy.port);
  client.socket.write('a');
  await waitUntil('the echo of a', () => client.received() === 'a');

  proxy.pause();
  client.socket.write('b');
  client.socket.write('c');
  await settle();
  assert.equal(client.received(), 'a', 'nothing crosses while paused');
  assert.equal(client.closed(), false);

  proxy.resume();
  await waitUntil('the held bytes', () => client.received() === 'abc');
});

test('pause can target one connection while the others keep flowing', async (t) => {
  const proxy = await startTcpProxy(t, { target: { port: await startEchoServer(t) } });
  const held = await openClient(t, proxy.port);
  const flowing = await openClient(t, proxy.port);
  await waitUntil('both connections proxied', () => proxy.connections().length === 2);
  const heldPort = held.socket.localPort;
  proxy.pause(({ clientPort }) => clientPort === heldPort);
  held.socket.write('x');
  flowing.socket.write('y');
  await waitUntil('the flowing echo', () => flowing.received() === 'y');
  assert.equal(held.received(), '');
  proxy.resume(({ clientPort }) => clientPort === heldPort);
  await waitUntil('the held echo', () => held.received() === 'x');
});

test('a blackholed proxy swallows bytes without closing, and a reset closes every connection', async (t) => {
  const proxy = await startTcpProxy(t, { target: { port: await startEchoServer(t) } });
  const before = await openClient(t, proxy.port);
  proxy.blackhole();
  const during = await openClient(t, proxy.port);
  before.socket.write('lost');
  during.socket.write('lost');
  await settle();
  assert.equal(before.received() + during.received(), '');
  assert.equal(before.closed() || during.closed(), false, 'a partition closes nothing');

  proxy.resume();
  before.socket.write('!');
  await waitUntil('the echo after the partition healed', () => before.received() === '!');
  await waitUntil('a connection accepted while blackholed dropped', () => during.closed());

  proxy.resetConnections();
  await waitUntil('the connection reset', () => before.closed());
});

test('retarget sends new connections to another server', async (t) => {
  const proxy = await startTcpProxy(t, { target: { port: 1 } });
  proxy.retarget({ port: await startEchoServer(t) });
  const client = await openClient(t, proxy.port);
  client.socket.write('z');
  await waitUntil('the echo from the new target', () => client.received() === 'z');
});
