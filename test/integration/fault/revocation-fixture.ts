import assert from 'node:assert/strict';
import type { Cluster, Redis } from 'ioredis';
import * as oauth from 'openid-client';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import { waitUntil } from '../../helpers/fault/wait-until.ts';
import { productionEnv, type ProductionEnv } from '../../helpers/production-env.ts';
import { startTesseraInstance, tesseraDeploymentEnv } from '../../helpers/fault/tessera-instance.ts';
import { openServices } from '../../../src/composition/open-services.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import { runOperation } from '../../../src/domain/operations.ts';
import { operatorActor } from '../../../src/domain/operator.ts';
import type { Scope } from '../../helpers/tessera-process.ts';
import { JWT_API, OPAQUE_API, type RegisteredClient } from '../../helpers/tessera-setup.ts';

/**
 * A production-profile Tessera on a fresh Postgres database and the test's own Redis, with what
 * the revocation fault tests revoke: JWT and opaque client credentials tokens (RFC 7009), PATs
 * and RATs (/v1), each asked about by a resource server with a real OAuth client.
 */
export type Kind = 'jwt' | 'opaque' | 'pat' | 'rat';
export type Issued = { kind: Kind; token: string; id?: string };

type Json = Record<string, unknown>;

export type RevocationDeployment = Awaited<ReturnType<typeof startRevocationDeployment>>;

export const startRevocationDeployment = async (
  t: Scope,
  options: { redisUrl: string; env?: Record<string, string> },
) => {
  const production = (await productionEnv(t)) as ProductionEnv;
  assert.ok(production, 'PostgreSQL is needed');
  const env = tesseraDeploymentEnv(t, {
    databaseUrl: production.databaseUrl,
    redisUrl: options.redisUrl,
    ...(options.env ? { env: options.env } : {}),
  });
  let instance = await startTesseraInstance(t, env);
  const url = () => instance.url;
  // What an operator sets up with the CLI, run in this process through the very operations the
  // CLI runs: eight CLI processes would cost more than the fault test itself.
  const services = await openServices(loadConfig(instance.env), { migrate: false });
  const admin = <N extends Parameters<typeof runOperation>[2]>(
    name: N,
    input: Parameters<typeof runOperation<N>>[3],
  ) => runOperation(services.domain, operatorActor('fault-test'), name, input);
  const registered = async (
    input: Parameters<typeof services.domain.clients.create>[1],
  ): Promise<RegisteredClient> => {
    const created = await admin('clients.create', input);
    return { client_id: created.clientId, client_secret: String(created.clientSecret) };
  };
  let alice: { id: string };
  let adminPat: string;
  let billing: RegisteredClient;
  let resourceServer: RegisteredClient;
  try {
    await admin('api-resources.create', {
      identifier: JWT_API,
      name: 'JWT API',
      format: 'jwt',
      scopes: ['groups:read-only'],
      accessTokenTtl: 300,
    });
    await admin('api-resources.create', {
      identifier: OPAQUE_API,
      name: 'Opaque API',
      format: 'opaque',
      scopes: ['instances:read-only'],
    });
    billing = await registered({
      name: 'billing',
      grantTypes: ['client_credentials'],
      resources: [JWT_API, OPAQUE_API],
      scopes: ['groups:read-only', 'instances:read-only'],
    });
    resourceServer = await registered({
      name: 'resource server',
      grantTypes: ['client_credentials'],
      resources: [OPAQUE_API],
      introspects: [OPAQUE_API, JWT_API],
    });
    alice = await admin('users.create', {
      username: 'alice',
      password: 'correct horse battery staple',
      isAdmin: true,
    });
    adminPat = (
      await admin('tokens.create-personal', {
        username: 'alice',
        name: 'admin',
        scopes: ['tokens:write', 'tokens:read', 'resources:write', 'admin', 'groups:read-write'],
      })
    ).token;
  } finally {
    await services.close();
  }

  const config = async (client: RegisteredClient) =>
    oauth.discovery(
      new URL(url()),
      client.client_id,
      undefined,
      oauth.ClientSecretBasic(client.client_secret),
      { execute: [oauth.allowInsecureRequests] },
    );
  let billingConfig = await config(billing);
  let resourceServerConfig = await config(resourceServer);

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminPat}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };

  for (const group of ['1', '2']) {
    assert.equal(
      (await api('PUT', `/v1/resources/groups/${group}`, { name: `g${group}`, parent: null })).status,
      201,
    );
    const member = await api('PUT', `/v1/resources/groups/${group}/members/${alice.id}`, {
      role: 'maintainer',
    });
    assert.equal(member.status, 201, JSON.stringify(member.body));
  }

  let serial = 0;
  const issue = async (kind: Kind, group = '1'): Promise<Issued> => {
    serial += 1;
    if (kind === 'jwt' || kind === 'opaque') {
      const grant = await oauth.clientCredentialsGrant(billingConfig, {
        resource: kind === 'jwt' ? JWT_API : OPAQUE_API,
      });
      return { kind, token: grant.access_token };
    }
    const answer =
      kind === 'pat'
        ? await api('POST', '/v1/access-tokens', {
            name: `pat ${serial}`,
            scopes: ['groups:read-only'],
            expires_in_days: 1,
          })
        : await api('POST', `/v1/resources/groups/${group}/access-tokens`, {
            name: `rat ${serial}`,
            role: 'developer',
            scopes: ['groups:read-only'],
            expires_in_days: 1,
          });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return { kind, token: answer.body.token as string, id: answer.body.id as string };
  };

  /** RFC 7009 for the library's tokens, /v1 for PATs and RATs; resolves once acknowledged. */
  const revoke = async (issued: Issued, group = '1'): Promise<void> => {
    if (issued.kind === 'jwt' || issued.kind === 'opaque') {
      await oauth.tokenRevocation(billingConfig, issued.token);
      return;
    }
    const path =
      issued.kind === 'pat'
        ? `/v1/access-tokens/${issued.id}`
        : `/v1/resources/groups/${group}/access-tokens/${issued.id}`;
    const answer = await api('DELETE', path);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  };

  /** Retried while Redis is away (a failover): the answer that counts is the one after it. */
  const introspect = async (token: string): Promise<boolean> =>
    waitUntil(
      'an introspection answer',
      async () => ({ active: (await oauth.tokenIntrospection(resourceServerConfig, token)).active }),
      { timeoutMs: 20_000, intervalMs: 200 },
    ).then((answer) => answer.active);

  const prefix = env.TESSERA_REDIS_PREFIX as string;
  const pepper = env.TESSERA_SECRET_PEPPER as string;
  const oidcId = createPepperHash(pepper, 'oidc-id');
  const tokenHash = createPepperHash(pepper, 'access-token');
  /**
   * How many of the revoked `tokens` Redis itself (wrongly) holds as live after a fault: an opaque
   * token's entry back, a PAT's or RAT's entry that is not a tombstone. Shows the fault happened;
   * introspection must say inactive all the same.
   */
  const liveInRedis = async (redis: Redis | Cluster, tokens: readonly Issued[]): Promise<number> => {
    let count = 0;
    for (const issued of tokens) {
      if (issued.kind === 'jwt') continue;
      const value =
        issued.kind === 'opaque'
          ? await redis.get(`${prefix}Token:${oidcId.digest(issued.token)}`)
          : await redis.get(`${prefix}AccessTokenEntry:${tokenHash.digest(issued.token)}`);
      if (value !== null && !value.includes('"revoked"')) count += 1;
    }
    return count;
  };

  /** How many of `tokens` introspect active. */
  const countActive = async (tokens: readonly Issued[]): Promise<number> => {
    let active = 0;
    for (const issued of tokens) if (await introspect(issued.token)) active += 1;
    return active;
  };

  return {
    production,
    env: instance.env,
    url,
    instance: () => instance,
    billing,
    api,
    issue,
    revoke,
    introspect,
    countActive,
    liveInRedis,
    /** kill -9 and start again on the same port with the same environment. */
    async restart(kill = true) {
      if (kill) await instance.kill();
      instance = await startTesseraInstance(t, env, { port: instance.port });
      billingConfig = await config(billing);
      resourceServerConfig = await config(resourceServer);
    },
  };
};

export const KINDS: readonly Kind[] = ['jwt', 'opaque', 'pat', 'rat'];

/** `count` tokens of every kind, and half of each kind revoked (acknowledged) — in parallel. */
export const issueAndRevokeHalf = async (deployment: RevocationDeployment, count: number) => {
  const issued = await Promise.all(
    KINDS.flatMap((kind) => Array.from({ length: count }, () => deployment.issue(kind))),
  );
  const revoked = issued.filter((_, index) => index % 2 === 0);
  const live = issued.filter((_, index) => index % 2 === 1);
  await Promise.all(revoked.map((token) => deployment.revoke(token)));
  return { revoked, live };
};

/** "jwt 0/5, opaque 0/5 …": how many of each kind are active. */
export const activeByKind = async (deployment: RevocationDeployment, tokens: readonly Issued[]) => {
  const counts: Record<string, string> = {};
  for (const kind of KINDS) {
    const ofKind = tokens.filter((token) => token.kind === kind);
    counts[kind] = `${await deployment.countActive(ofKind)}/${ofKind.length}`;
  }
  return counts;
};
