import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Free TCP ports on 127.0.0.1 for servers that must be told their port (redis-server, postgres,
 * haproxy). They are drawn below the kernel's ephemeral range, so an outgoing connection of
 * another test cannot be holding the port, and never 5432 or 6379, the shared servers' ports.
 * A port is checked free when handed out; another process may still take it before the server
 * binds it, so starters retry with a new port when the bind fails (see `isAddressInUse`).
 */
const SHARED_PORTS = new Set([5432, 6379]);
const handedOut = new Set<number>();

const ephemeralLow = (): number => {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    return Number(low) || 32768;
  } catch {
    return 32768;
  }
};

const RANGE_START = 20_000;
const RANGE_END = Math.max(RANGE_START + 1_000, ephemeralLow() - 1);

const isFree = (port: number): Promise<boolean> =>
  new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => done(true)));
  });

/** One free port of the private range, never handed out twice by this process. */
export const allocatePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = RANGE_START + Math.floor(Math.random() * (RANGE_END - RANGE_START));
    if (handedOut.has(port) || SHARED_PORTS.has(port)) continue;
    handedOut.add(port);
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found between ${RANGE_START} and ${RANGE_END}`);
};

export const allocatePorts = async (count: number): Promise<number[]> => {
  const ports: number[] = [];
  for (let index = 0; index < count; index++) ports.push(await allocatePort());
  return ports;
};

/** What a server printed when its port was taken between allocation and bind. */
export const isAddressInUse = (output: string): boolean => /address already in use|EADDRINUSE/i.test(output);
