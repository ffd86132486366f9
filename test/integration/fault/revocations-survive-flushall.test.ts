import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as oauth from 'openid-client';
import { startRedisServer } from '../../helpers/fault/redis-server.ts';
import { cliJson, runCli, suiteScope } from '../../helpers/tessera-process.ts';
import { JWT_API, OPAQUE_API, type RegisteredClient } from '../../helpers/tessera-setup.ts';
import {
  activeByKind,
  type Issued,
  issueAndRevokeHalf,
  startRevocationDeployment,
} from './revocation-fixture.ts';

/**
 * Redis loses everything (FLUSHALL: a restart without persistence, a failover to an empty
 * replica) after revocations of every kind and by every path: RFC 7009, /v1, the CLI, a rotation,
 * and the cascades of a deleted resource and a deleted client. None of them comes back, and live
 * PATs and RATs are rebuilt from Postgres. Opaque client credentials tokens that were issued but
 * not revoked live only in Redis: they are lost, and their clients ask again (README).
 */
test('after FLUSHALL no revoked token is active, and live PATs and RATs still are', async (t) => {
  const started = Date.now();
  const scope = suiteScope((cleanup) => t.after(cleanup));
  const redis = await startRedisServer(scope);
  const deployment = await startRevocationDeployment(scope, { redisUrl: redis.url });
  const ready = Date.now();
  const { revoked, live } = await issueAndRevokeHalf(deployment, 10);

  // The CLI, as an operator revokes.
  const byCli = await deployment.issue('pat');
  const cli = await runCli(deployment.env, ['tokens', 'revoke', byCli.id as string]);
  assert.equal(cli.code, 0, cli.stderr);
  revoked.push(byCli);

  // A rotation revokes the old string.
  const rotating = await deployment.issue('pat');
  const rotated = await deployment.api('POST', `/v1/access-tokens/${rotating.id}/rotate`);
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  revoked.push(rotating);
  live.push({ kind: 'pat', token: rotated.body.token as string, id: rotating.id });

  // Cascade: a deleted resource takes its RATs.
  const ofGroup = await Promise.all([1, 2, 3].map(() => deployment.issue('rat', '2')));
  assert.equal((await deployment.api('DELETE', '/v1/resources/groups/2')).status, 204);
  revoked.push(...ofGroup);

  // Cascade: a deleted client takes its tokens.
  const doomed = await cliJson<RegisteredClient>(deployment.env, [
    ...['clients', 'create', '--name', 'doomed', '--grant-types', 'client_credentials'],
    ...['--resources', `${JWT_API},${OPAQUE_API}`, '--scopes', 'groups:read-only instances:read-only'],
  ]);
  const doomedConfig = await oauth.discovery(
    new URL(deployment.url()),
    doomed.client_id,
    undefined,
    oauth.ClientSecretBasic(doomed.client_secret),
    { execute: [oauth.allowInsecureRequests] },
  );
  const ofClient: Issued[] = [];
  for (const [kind, resource] of [
    ['jwt', JWT_API],
    ['opaque', OPAQUE_API],
  ] as const) {
    ofClient.push({
      kind,
      token: (await oauth.clientCredentialsGrant(doomedConfig, { resource })).access_token,
    });
  }
  const deleted = await runCli(deployment.env, ['clients', 'delete', doomed.client_id]);
  assert.equal(deleted.code, 0, deleted.stderr);
  revoked.push(...ofClient);

  assert.deepEqual(await activeByKind(deployment, revoked), {
    jwt: '0/6',
    opaque: '0/6',
    pat: '0/7',
    rat: '0/8',
  });
  assert.deepEqual(await activeByKind(deployment, live), {
    jwt: '5/5',
    opaque: '5/5',
    pat: '6/6',
    rat: '5/5',
  });

  const beforeFlush = Date.now();
  await redis.flushAll();
  assert.equal(await redis.command(['DBSIZE']), 0);

  const afterFlush = await activeByKind(deployment, revoked);
  assert.deepEqual(
    afterFlush,
    { jwt: '0/6', opaque: '0/6', pat: '0/7', rat: '0/8' },
    'nothing revoked comes back',
  );
  const liveAfter = await activeByKind(deployment, live);
  assert.deepEqual(
    liveAfter,
    { jwt: '5/5', opaque: '0/5', pat: '6/6', rat: '5/5' },
    'PATs and RATs come back from Postgres; JWTs need no storage; opaque tokens lived in Redis only',
  );

  // Every revocation is an audit event, whatever its path.
  const audit = await deployment.production.sql(
    `select action, count(*)::int as count from audit_events
     where action in ('oauth_token.revoke', 'access_token.revoke', 'access_token.rotate', 'client.delete')
     group by action order by action`,
  );
  assert.deepEqual(audit, [
    { action: 'access_token.revoke', count: 5 + 5 + 1 + 3 },
    { action: 'access_token.rotate', count: 1 },
    { action: 'client.delete', count: 1 },
    { action: 'oauth_token.revoke', count: 5 + 5 },
  ]);
  t.diagnostic(
    `FLUSHALL: revoked active ${JSON.stringify(afterFlush)}; live active ${JSON.stringify(liveAfter)}; ${Date.now() - started} ms (set-up ${ready - started} ms, revocations ${beforeFlush - ready} ms)`,
  );
});
