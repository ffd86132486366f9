import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer } from '../../helpers/fault/redis-server.ts';
import { waitUntil } from '../../helpers/fault/wait-until.ts';
import { suiteScope } from '../../helpers/tessera-process.ts';
import { type Issued, startRevocationDeployment } from './revocation-fixture.ts';

/**
 * `kill -9` of Tessera in the middle of a stream of /v1 revocations. Afterwards, for every token,
 * the Postgres row, introspection, the /v1 record and Redis tell one story, and every revocation
 * that was acknowledged (2xx) holds. A revocation cut off mid-flight may have happened or not —
 * but wholly, never half.
 */
test('kill -9 during revocations leaves Postgres, introspection, /v1 and Redis in agreement', async (t) => {
  const started = Date.now();
  const scope = suiteScope((cleanup) => t.after(cleanup));
  const redis = await startRedisServer(scope);
  const deployment = await startRevocationDeployment(scope, { redisUrl: redis.url });
  const ready = Date.now();

  const tokens: Issued[] = await Promise.all(
    Array.from({ length: 40 }, (_, index) => deployment.issue(index % 4 === 0 ? 'rat' : 'pat')),
  );
  // Every token introspected once, so each has its entry in Redis.
  for (const issued of tokens) assert.equal(await deployment.introspect(issued.token), true);

  const acknowledged = new Set<string>();
  const cut = new Set<string>();
  const queue = [...tokens];
  const worker = async () => {
    for (let issued = queue.shift(); issued; issued = queue.shift()) {
      try {
        await deployment.revoke(issued);
        acknowledged.add(issued.id as string);
      } catch {
        cut.add(issued.id as string);
        return;
      }
    }
  };
  const stream = Promise.all([worker(), worker(), worker(), worker()]);
  await waitUntil('some revocations acknowledged', () => acknowledged.size >= 12, { timeoutMs: 30_000 });
  await deployment.instance().kill();
  await stream;
  assert.ok(queue.length > 0, 'the stream was cut before its end');

  await deployment.restart(false);
  const rows = await deployment.production.sql('select id, revoked_at from access_tokens');
  const revokedInPostgres = new Set(
    rows.filter((row) => row.revoked_at !== null).map((row) => row.id as string),
  );
  const events = await deployment.production.sql(
    "select target_id from audit_events where action = 'access_token.revoke'",
  );
  const audited = new Set(events.map((row) => row.target_id as string));
  const recorded = await deployment.production.sql("select key from revocations where kind = 'access_token'");
  const inRecord = new Set(recorded.map((row) => row.key as string));

  const reader = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const disagreements: string[] = [];
  for (const issued of tokens) {
    const id = issued.id as string;
    const path =
      issued.kind === 'pat' ? `/v1/access-tokens/${id}` : `/v1/resources/groups/1/access-tokens/${id}`;
    const record = await deployment.api('GET', path);
    const states = {
      postgres: revokedInPostgres.has(id),
      audit: audited.has(id),
      record: inRecord.has(id),
      v1: record.body.state === 'revoked',
      introspection: !(await deployment.introspect(issued.token)),
      redis: (await deployment.liveInRedis(reader, [issued])) === 0,
    };
    const values = new Set(Object.values(states));
    if (values.size > 1) disagreements.push(`${id}: ${JSON.stringify(states)}`);
    if (acknowledged.has(id) && !states.postgres) disagreements.push(`${id}: acknowledged, yet active`);
  }
  reader.disconnect();
  assert.deepEqual(disagreements, []);
  t.diagnostic(
    `kill -9: ${acknowledged.size} acknowledged, ${cut.size} cut mid-flight (${[...cut].filter((id) => revokedInPostgres.has(id)).length} of them committed), ${queue.length} never sent; ${revokedInPostgres.size} revoked in Postgres; 0 disagreements; ${Date.now() - started} ms (set-up ${ready - started} ms)`,
  );
});
