import type { Scope } from '../tessera-process.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { waitUntil } from './wait-until.ts';

/**
 * Two redis-servers, a primary and its replica, for failover to a lagging replica:
 *
 *   clients ──▶ service proxy (url) ──▶ primary ◀── replication proxy ◀── replica
 *
 * The replica replicates through a TCP proxy that can hold the link back: the replica stays
 * connected and the primary sees it lagging (WAIT counts no ack), as behind a slow network.
 * Clients reach Redis through a service address (`url`) that `promoteReplica` points at the
 * replica, as a virtual IP or DNS name would be after a failover.
 */
export type RedisPrimaryReplica = {
  primary: RedisServer;
  replica: RedisServer;
  /** redis://127.0.0.1:port of the service address — for REDIS_URL. */
  url: string;
  service: TcpProxy;
  replicationLink: TcpProxy;
  /** Writes acknowledged by the primary from now on do not reach the replica. */
  holdReplication: () => void;
  /** Delivers what was held, in order. */
  releaseReplication: () => void;
  /** Resolves once the replica has applied everything the primary has. */
  waitForReplica: () => Promise<void>;
  /** `kill -9` of the primary. */
  killPrimary: () => Promise<void>;
  /** REPLICAOF NO ONE on the replica; the service address then leads to it. */
  promoteReplica: () => Promise<void>;
};

const replicaCaughtUp = async (primary: RedisServer, replica: RedisServer): Promise<boolean> => {
  const [ofPrimary, ofReplica] = await Promise.all([
    primary.info('replication'),
    replica.info('replication'),
  ]);
  return (
    ofReplica.master_link_status === 'up' &&
    ofReplica.master_sync_in_progress === '0' &&
    ofReplica.slave_repl_offset === ofPrimary.master_repl_offset
  );
};

export const startRedisPrimaryReplica = async (t: Scope): Promise<RedisPrimaryReplica> => {
  // Without the delay (5 s by default) a diskless full sync starts as soon as the replica asks.
  const primary = await startRedisServer(t, { args: ['--repl-diskless-sync-delay', '0'] });
  const replicationLink = await startTcpProxy(t, { target: { port: primary.port } });
  const replica = await startRedisServer(t, {
    args: ['--replicaof', '127.0.0.1', String(replicationLink.port)],
  });
  const service = await startTcpProxy(t, { target: { port: primary.port } });
  const waitForReplica = async () => {
    await waitUntil('the replica catching up with the primary', () => replicaCaughtUp(primary, replica));
  };
  await waitForReplica();

  return {
    primary,
    replica,
    url: `redis://127.0.0.1:${service.port}`,
    service,
    replicationLink,
    holdReplication: () => replicationLink.pause(),
    releaseReplication: () => replicationLink.resume(),
    waitForReplica,
    killPrimary: () => primary.kill(),
    promoteReplica: async () => {
      await replica.command(['REPLICAOF', 'NO', 'ONE']);
      service.retarget({ port: replica.port });
      // Clients still connected to the old primary reconnect, and land on the new one.
      service.resetConnections();
    },
  };
};
