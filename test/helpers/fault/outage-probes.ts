import { createPat, createUser } from '../platform-setup.ts';
import type { Scope } from '../tessera-process.ts';
import { JWT_API, OPAQUE_API, postForm, registerFixtures, type RegisteredClient } from '../tessera-setup.ts';
import { type PostgresServer, startPostgresServer } from './postgres-server.ts';
import { type RedisServer, startRedisServer } from './redis-server.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { type FaultTesseraInstance, startTesseraInstance, tesseraDeploymentEnv } from './tessera-instance.ts';

/**
 * One request per endpoint a storage outage concerns, each timed, as an operator's checklist:
 * test/integration/fault/storage-outage.test.ts asserts statuses and bodies with them,
 * bench/outage.ts ("answers during an outage") measures their latency.
 */
export type OutageFixtures = {
  url: string;
  billing: RegisteredClient;
  resourceServer: RegisteredClient;
  /** A PAT with tokens:read and tokens:write. */
  pat: string;
  jwt: string;
  opaque: string;
};

export type ProbeResult = {
  name: string;
  surface: 'oauth' | 'v1' | 'other';
  status: number;
  contentType: string;
  retryAfter: string | undefined;
  body: Record<string, unknown>;
  ms: number;
};

export type Probe = { name: string; run: () => Promise<ProbeResult> };

const timed = (name: string, surface: ProbeResult['surface'], request: () => Promise<Response>): Probe => ({
  name,
  run: async () => {
    const started = performance.now();
    const response = await request();
    const text = await response.text();
    const ms = Math.round(performance.now() - started);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text };
    }
    return {
      name,
      surface,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      retryAfter: response.headers.get('retry-after') ?? undefined,
      body,
      ms,
    };
  },
});

export const outageProbes = (f: OutageFixtures): Probe[] => {
  const bearer = { authorization: `Bearer ${f.pat}` };
  return [
    timed('token (JWT client)', 'oauth', () =>
      postForm(`${f.url}/token`, f.billing, { grant_type: 'client_credentials', resource: JWT_API }),
    ),
    timed('token (opaque client)', 'oauth', () =>
      postForm(`${f.url}/token`, f.billing, { grant_type: 'client_credentials', resource: OPAQUE_API }),
    ),
    timed('introspection of an opaque token', 'oauth', () =>
      postForm(`${f.url}/token/introspection`, f.resourceServer, { token: f.opaque }),
    ),
    timed('introspection of a JWT', 'oauth', () =>
      postForm(`${f.url}/token/introspection`, f.resourceServer, { token: f.jwt }),
    ),
    timed('introspection of a PAT', 'oauth', () =>
      postForm(`${f.url}/token/introspection`, f.resourceServer, { token: f.pat }),
    ),
    // An unknown token: revocation must still look it up (RFC 7009 answers 200 for it).
    timed('revocation', 'oauth', () =>
      postForm(`${f.url}/token/revocation`, f.billing, { token: 'not-a-token-anybody-holds' }),
    ),
    timed('v1 list', 'v1', () => fetch(`${f.url}/v1/access-tokens`, { headers: bearer })),
    timed('v1 create', 'v1', () =>
      fetch(`${f.url}/v1/access-tokens`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `outage ${Math.random()}`,
          scopes: ['tokens:read'],
          expires_in_days: 1,
        }),
      }),
    ),
    timed('jwks', 'other', () => fetch(`${f.url}/jwks`)),
    timed('discovery', 'other', () => fetch(`${f.url}/.well-known/openid-configuration`)),
    timed('readyz', 'other', () => fetch(`${f.url}/readyz`)),
  ];
};

export type OutageDeployment = {
  postgres: PostgresServer;
  redis: RedisServer;
  /** Tessera's link to Redis, which can be blackholed. */
  redisLink: TcpProxy;
  tessera: FaultTesseraInstance;
  fixtures: OutageFixtures;
};

/**
 * A private Postgres and Redis (reached through a TCP proxy), one production-profile Tessera on
 * them, the usual clients, a PAT, and one JWT and one opaque token; every probe asked once, so the
 * clients are in Tessera's cache and the PAT's entry in Redis.
 */
export const startOutageDeployment = async (scope: Scope): Promise<OutageDeployment> => {
  const [postgres, redis] = await Promise.all([startPostgresServer(scope), startRedisServer(scope)]);
  const redisLink = await startTcpProxy(scope, { target: { port: redis.port } });
  const env = tesseraDeploymentEnv(scope, {
    databaseUrl: postgres.url,
    redisUrl: `redis://127.0.0.1:${redisLink.port}`,
  });
  const tessera = await startTesseraInstance(scope, env);
  const { billing, resourceServer } = await registerFixtures(env);
  await createUser(env, 'alice');
  const pat = await createPat(env, 'alice', 'tokens:read tokens:write');
  const issue = async (resource: string) => {
    const response = await postForm(`${tessera.url}/token`, billing, {
      grant_type: 'client_credentials',
      resource,
    });
    if (response.status !== 200) throw new Error(`/token answered ${response.status}`);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const fixtures = {
    url: tessera.url,
    billing,
    resourceServer,
    pat: pat.token,
    jwt: await issue(JWT_API),
    opaque: await issue(OPAQUE_API),
  };
  for (const result of await runProbes(fixtures))
    if (result.status >= 500) throw new Error(`${result.name} answered ${result.status} while all is well`);
  return { postgres, redis, redisLink, tessera, fixtures };
};

/** Every probe once, one at a time: each answer's latency is its own. */
export const runProbes = async (fixtures: OutageFixtures): Promise<ProbeResult[]> => {
  const results: ProbeResult[] = [];
  for (const probe of outageProbes(fixtures)) results.push(await probe.run());
  return results;
};

export type LatencySummary = { name: string; status: string; p50: number; p99: number; max: number };

/** `rounds` rounds of every probe: per endpoint, the statuses seen and p50/p99/max in ms. */
export const sampleLatencies = async (
  fixtures: OutageFixtures,
  rounds: number,
): Promise<LatencySummary[]> => {
  const samples = new Map<string, { ms: number[]; statuses: Set<number> }>();
  for (let round = 0; round < rounds; round++)
    for (const result of await runProbes(fixtures)) {
      const entry = samples.get(result.name) ?? { ms: [], statuses: new Set() };
      entry.ms.push(result.ms);
      entry.statuses.add(result.status);
      samples.set(result.name, entry);
    }
  return [...samples].map(([name, { ms, statuses }]) => {
    ms.sort((a, b) => a - b);
    const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0;
    return { name, status: [...statuses].join('/'), p50: at(0.5), p99: at(0.99), max: ms.at(-1) ?? 0 };
  });
};
