import { connect, createServer, type Socket } from 'node:net';
import type { Scope } from './tessera-process.ts';

/**
 * A TCP proxy on 127.0.0.1 between a client and a server, for faults a signal cannot make:
 * - `pause`: nothing crosses in either direction, connections stay open, and what was held is
 *   delivered in order on `resume` — a lagging link (the sender's TCP buffers fill up);
 * - `blackhole`: bytes are swallowed and connections never close — a network partition;
 * - `resetConnections`: every open connection is destroyed — a dropped link.
 * `pause` and `resume` can target one connection, e.g. the one a replica replicates through.
 */
export type Endpoint = { host?: string; port: number };

export type ProxiedConnection = {
  /** The client's port, as the proxy sees it. */
  clientPort: number;
  /** The proxy's own port towards the server: what the server sees as this client's address. */
  upstreamLocalPort: number | undefined;
  state: LinkState;
};

export type LinkState = 'forwarding' | 'paused' | 'blackholed';

export type TcpProxy = {
  host: string;
  port: number;
  target: () => Endpoint;
  /** New connections go to `target`; open ones stay where they are. */
  retarget: (target: Endpoint) => void;
  /** Holds bytes of matching connections (all, and all new ones, without `match`). */
  pause: (match?: (connection: ProxiedConnection) => boolean) => void;
  /** Swallows every byte of open and new connections. */
  blackhole: () => void;
  /** Forwards again, delivering what `pause` held (what `blackhole` swallowed is gone). */
  resume: (match?: (connection: ProxiedConnection) => boolean) => void;
  resetConnections: () => void;
  connections: () => ProxiedConnection[];
  close: () => Promise<void>;
};

type Link = ProxiedConnection & {
  client: Socket;
  upstream: Socket | undefined;
  flushes: (() => void)[];
};

/**
 * Copies `from` to `to` while the link forwards, with backpressure; keeps what arrives while it
 * is paused (returned flush delivers it) and swallows what arrives while it is blackholed.
 */
const relay = (from: Socket, to: Socket, link: { state: LinkState }): (() => void) => {
  const held: Buffer[] = [];
  let endHeld = false;
  const forward = (chunk: Buffer) => {
    if (to.write(chunk)) return;
    from.pause();
    to.once('drain', () => {
      if (link.state !== 'paused') from.resume();
    });
  };
  from.on('data', (chunk: Buffer) => {
    if (link.state === 'forwarding') forward(chunk);
    else if (link.state === 'paused') held.push(chunk);
  });
  from.on('end', () => {
    if (link.state === 'forwarding') to.end();
    else if (link.state === 'paused') endHeld = true;
  });
  return () => {
    for (const chunk of held.splice(0)) forward(chunk);
    if (endHeld) to.end();
  };
};

export const startTcpProxy = async (
  t: Scope,
  { target: initialTarget, port = 0 }: { target: Endpoint; port?: number },
): Promise<TcpProxy> => {
  let target = initialTarget;
  let stateForNew: LinkState = 'forwarding';
  const links = new Set<Link>();

  const drop = (link: Link) => {
    links.delete(link);
    link.client.destroy();
    link.upstream?.destroy();
  };
  // A paused socket is not read, so its bytes (and its FIN) wait in the kernel, and the sender's
  // buffers fill up as they would behind a slow link.
  const apply = (link: Link) => {
    if (link.state === 'forwarding') {
      // A connection accepted while blackholed never reached the server: it is dropped now.
      if (!link.upstream) return drop(link);
      for (const flush of link.flushes) flush();
    }
    for (const socket of [link.client, link.upstream]) {
      if (link.state === 'paused') socket?.pause();
      else socket?.resume();
    }
  };

  const server = createServer((client) => {
    const link: Link = {
      client,
      upstream: undefined,
      clientPort: client.remotePort ?? 0,
      upstreamLocalPort: undefined,
      state: stateForNew,
      flushes: [],
    };
    links.add(link);
    client.on('error', () => drop(link));
    client.on('close', () => {
      if (link.state === 'forwarding') drop(link);
    });
    if (link.state === 'blackholed') {
      client.on('data', () => {});
      return;
    }
    const upstream = connect({ host: target.host ?? '127.0.0.1', port: target.port });
    link.upstream = upstream;
    upstream.on('connect', () => {
      link.upstreamLocalPort = upstream.localPort;
    });
    upstream.on('error', () => drop(link));
    upstream.on('close', () => {
      if (link.state === 'forwarding') drop(link);
    });
    link.flushes = [relay(client, upstream, link), relay(upstream, client, link)];
    apply(link);
  });

  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ready());
  });
  const address = server.address() as { port: number };

  const setState = (state: LinkState, match?: (connection: ProxiedConnection) => boolean) => {
    if (!match) stateForNew = state;
    for (const link of links) {
      if (match && !match(link)) continue;
      link.state = state;
      apply(link);
    }
  };
  // destroy(), not resetAndDestroy(): on Node 24.21 the latter, on these sockets, sometimes left
  // the process spinning at exit (FreeEnvironment waiting on a handle that never closed).
  const resetConnections = () => {
    for (const link of links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    links.clear();
  };
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((done) => {
      resetConnections();
      server.close(() => done());
    });
    return closed;
  };
  t.after(close);

  return {
    host: '127.0.0.1',
    port: address.port,
    target: () => target,
    retarget: (next) => {
      target = next;
    },
    pause: (match) => setState('paused', match),
    blackhole: () => setState('blackholed'),
    resume: (match) => setState('forwarding', match),
    resetConnections,
    connections: () =>
      [...links].map(({ clientPort, upstreamLocalPort, state }) => ({
        clientPort,
        upstreamLocalPort,
        state,
      })),
    close,
  };
};
