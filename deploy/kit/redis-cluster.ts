import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Scope } from './tessera-process.ts';
import { allocatePort } from './ports.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { waitUntil } from './wait-until.ts';

/**
 * A real Redis Cluster (3 masters + 3 replicas by default) made by `redis-cli --cluster create`,
 * where replication to any one replica can be frozen.
 *
 * Each node announces (cluster-announce-port) the port of a TCP proxy in front of it, so every
 * client, and every replica replicating from it, connects through that proxy; the cluster bus
 * does not (its port is announced as is). Freezing replication to a replica pauses its one
 * connection in its master's proxy: the replica stays connected and its master sees it lagging,
 * while clients keep writing to the master.
 */
export type RedisClusterNode = {
  /** The cluster node ID (CLUSTER MYID). */
  id: string;
  /** The port clients are told about (the node's proxy). */
  port: number;
  /** 127.0.0.1:port as CLUSTER NODES and MOVED redirections give it. */
  address: string;
  /** The redis-server itself (its own port, pause/kill/command) — not through the proxy. */
  server: RedisServer;
  /** Absent when the cluster was started without proxies (`proxied: false`). */
  proxy: TcpProxy | undefined;
};

export type ClusterRole = { node: RedisClusterNode; role: 'master' | 'replica'; masterId?: string };

export type RedisCluster = {
  nodes: RedisClusterNode[];
  /** redis+cluster://127.0.0.1:p1,… (every node's announced address) — for REDIS_URL. */
  url: string;
  /** Each live node's current role, as the cluster sees it. */
  roles: () => Promise<ClusterRole[]>;
  masters: () => Promise<RedisClusterNode[]>;
  replicaOf: (master: RedisClusterNode) => Promise<RedisClusterNode>;
  masterOf: (replica: RedisClusterNode) => Promise<RedisClusterNode>;
  /** The master that serves `key`'s hash slot. */
  masterForKey: (key: string) => Promise<RedisClusterNode>;
  /** Writes acknowledged by this replica's master from now on do not reach it. */
  freezeReplicationTo: (replica: RedisClusterNode) => Promise<void>;
  /** Delivers what was held, in order. */
  thawReplicationTo: (replica: RedisClusterNode) => void;
  /** `kill -9` of a master. */
  killMaster: (master: RedisClusterNode) => Promise<void>;
  /**
   * Resolves once `replica` is a master and every live node reports cluster_state:ok. By default
   * the cluster fails over by itself (after cluster-node-timeout); `takeover` makes the replica
   * take over at once (CLUSTER FAILOVER TAKEOVER), without the other masters' vote.
   */
  waitForFailover: (
    replica: RedisClusterNode,
    options?: { takeover?: boolean; timeoutMs?: number },
  ) => Promise<void>;
  /** Resolves once every live node reports cluster_state:ok. */
  waitForClusterOk: (options?: { timeoutMs?: number }) => Promise<void>;
};

export type RedisClusterOptions = {
  masters?: number;
  replicasPerMaster?: number;
  /** cluster-node-timeout: how long a silent master takes to be declared failed. */
  nodeTimeoutMs?: number;
  /**
   * A TCP proxy (in this process) in front of each node, so replication can be frozen (default).
   * A deployment that only runs (deploy/local-cluster.ts) goes without: under load, a proxy in
   * the load generator's event loop would add its own latency to every Redis command.
   */
  proxied?: boolean;
};

const run = promisify(execFile);

type NodeLine = { id: string; address: string; flags: string[]; masterId: string; slots: string[] };

/** CLUSTER NODES: `id ip:port@cport[,hostname] flags master ping pong epoch link slot…`. */
const parseClusterNodes = (text: string): NodeLine[] =>
  text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', masterId = '', , , , , ...slots] = line.trim().split(' ');
      return { id, address: address.split('@')[0] ?? '', flags: flags.split(','), masterId, slots };
    });

const isAlive = (node: RedisClusterNode) => node.server.isRunning();

const startNode = async (
  t: Scope,
  nodeTimeoutMs: number,
  proxied: boolean,
): Promise<Omit<RedisClusterNode, 'id'>> => {
  const busPort = await allocatePort();
  const server = await startRedisServer(t, {
    args: [
      ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
      ...['--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-port', String(busPort)],
      ...['--cluster-announce-ip', '127.0.0.1', '--cluster-announce-bus-port', String(busPort)],
      ...['--repl-diskless-sync-delay', '0'],
    ],
  });
  if (!proxied) return { port: server.port, address: `127.0.0.1:${server.port}`, server, proxy: undefined };
  const proxy = await startTcpProxy(t, { target: { port: server.port } });
  await server.command(['CONFIG', 'SET', 'cluster-announce-port', String(proxy.port)]);
  return { port: proxy.port, address: `127.0.0.1:${proxy.port}`, server, proxy };
};

export const startRedisCluster = async (
  t: Scope,
  { masters = 3, replicasPerMaster = 1, nodeTimeoutMs = 2_000, proxied = true }: RedisClusterOptions = {},
): Promise<RedisCluster> => {
  const count = masters * (1 + replicasPerMaster);
  const started = await Promise.all(
    Array.from({ length: count }, () => startNode(t, nodeTimeoutMs, proxied)),
  );
  const nodes: RedisClusterNode[] = await Promise.all(
    started.map(async (node) => ({ ...node, id: String(await node.server.command(['CLUSTER', 'MYID'])) })),
  );
  const byId = (id: string) => {
    const node = nodes.find((candidate) => candidate.id === id);
    if (!node) throw new Error(`no node with ID ${id}`);
    return node;
  };

  // --cluster-yes: redis-cli otherwise asks to confirm the slot layout on stdin.
  await run(
    'redis-cli',
    [
      ...['--cluster', 'create', ...nodes.map((node) => node.address)],
      ...['--cluster-replicas', String(replicasPerMaster), '--cluster-yes'],
    ],
    { timeout: 60_000 },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`redis-cli --cluster create failed: ${error.message}\n${error.stdout}\n${error.stderr}`);
  });

  /** CLUSTER NODES as a live node sees it. */
  const clusterNodes = async () => {
    const witness = nodes.find(isAlive);
    if (!witness) throw new Error('no cluster node is running');
    return parseClusterNodes(String(await witness.server.command(['CLUSTER', 'NODES'])));
  };
  const roles = async (): Promise<ClusterRole[]> =>
    (await clusterNodes())
      .filter((line) => !line.flags.includes('fail') && !line.flags.includes('noaddr'))
      .map((line) => ({
        node: byId(line.id),
        role: line.flags.includes('master') ? 'master' : 'replica',
        ...(line.masterId === '-' ? {} : { masterId: line.masterId }),
      }));
  const masterOf = async (replica: RedisClusterNode) => {
    const role = (await roles()).find(({ node }) => node === replica);
    if (role?.role !== 'replica' || !role.masterId) throw new Error(`${replica.address} is not a replica`);
    return byId(role.masterId);
  };
  const waitForClusterOk = async ({ timeoutMs = 20_000 }: { timeoutMs?: number } = {}) => {
    await waitUntil(
      'cluster_state:ok on every live node',
      async () => {
        for (const node of nodes.filter(isAlive)) {
          const info = String(await node.server.command(['CLUSTER', 'INFO'], { timeoutMs: 1_000 }));
          if (!info.includes('cluster_state:ok')) return false;
        }
        return true;
      },
      { timeoutMs },
    );
  };
  const replicasSynced = async () => {
    for (const { node, role } of await roles()) {
      if (role !== 'replica') continue;
      const info = await node.server.info('replication');
      if (info.master_link_status !== 'up' || info.master_sync_in_progress !== '0') return false;
    }
    return true;
  };

  await waitForClusterOk();
  await waitUntil('every replica in sync with its master', replicasSynced, { timeoutMs: 20_000 });
  await waitUntil(
    'every node agreeing on the roles',
    async () => (await roles()).filter(({ role }) => role === 'master').length === masters,
  );

  const frozen = new Map<RedisClusterNode, () => void>();
  return {
    nodes,
    url: `redis+cluster://${nodes.map((node) => node.address).join(',')}`,
    roles,
    masters: async () => (await roles()).filter(({ role }) => role === 'master').map(({ node }) => node),
    replicaOf: async (master) => {
      const replica = (await roles()).find(({ masterId }) => masterId === master.id);
      if (!replica) throw new Error(`${master.address} has no replica`);
      return replica.node;
    },
    masterOf,
    masterForKey: async (key) => {
      const slot = Number(await nodes.find(isAlive)?.server.command(['CLUSTER', 'KEYSLOT', key]));
      const serves = (range: string) => {
        const [from = -1, to = from] = range.split('-').map(Number);
        return slot >= from && slot <= to;
      };
      const owner = (await clusterNodes()).find(
        (line) => line.flags.includes('master') && !line.flags.includes('fail') && line.slots.some(serves),
      );
      if (!owner) throw new Error(`no master serves slot ${slot}`);
      return byId(owner.id);
    },
    freezeReplicationTo: async (replica) => {
      const master = await masterOf(replica);
      const proxy = master.proxy;
      if (!proxy) throw new Error('replication can be frozen only in a cluster started with proxies');
      // Seen from the replica, the local end (laddr) of its link to the master is the client
      // port of that link in the master's proxy.
      const link = String(await replica.server.command(['CLIENT', 'LIST', 'TYPE', 'master']));
      const port = Number(/laddr=127\.0\.0\.1:(\d+)/.exec(link)?.[1]);
      if (!proxy.connections().some(({ clientPort }) => clientPort === port))
        throw new Error(
          `no replication link of ${replica.address} in the proxy of ${master.address}: ${link}`,
        );
      proxy.pause(({ clientPort }) => clientPort === port);
      frozen.set(replica, () => proxy.resume(({ clientPort }) => clientPort === port));
    },
    thawReplicationTo: (replica) => {
      frozen.get(replica)?.();
      frozen.delete(replica);
    },
    killMaster: (master) => master.server.kill(),
    waitForFailover: async (replica, { takeover = false, timeoutMs = 30_000 } = {}) => {
      if (takeover) await replica.server.command(['CLUSTER', 'FAILOVER', 'TAKEOVER']);
      await waitUntil(
        `${replica.address} promoted to master`,
        async () => {
          const myself = parseClusterNodes(String(await replica.server.command(['CLUSTER', 'NODES']))).find(
            (line) => line.flags.includes('myself'),
          );
          return myself?.flags.includes('master') ?? false;
        },
        { timeoutMs },
      );
      await waitForClusterOk({ timeoutMs });
    },
    waitForClusterOk,
  };
};
