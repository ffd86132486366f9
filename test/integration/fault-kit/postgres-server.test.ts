import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPostgresServer } from '../../helpers/fault/postgres-server.ts';

test('a private PostgreSQL can be paused, resumed, stopped, started and crashed, keeping committed rows', async (t) => {
  const started = Date.now();
  const postgres = await startPostgresServer(t);
  const startMs = Date.now() - started;
  assert.notEqual(postgres.port, 5432);
  assert.match(postgres.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/tessera$/);
  await postgres.query('create table revocation (jti text primary key)');
  await postgres.query("insert into revocation values ('a')");

  postgres.pause();
  await assert.rejects(postgres.query('select 1', { timeoutMs: 300 }), /timeout/i);
  postgres.resume();
  assert.deepEqual(await postgres.query('select jti from revocation'), [{ jti: 'a' }]);

  let step = Date.now();
  await postgres.stop();
  const stopMs = Date.now() - step;
  await assert.rejects(postgres.query('select 1', { timeoutMs: 300 }), /ECONNREFUSED/);
  step = Date.now();
  await postgres.start();
  const restartMs = Date.now() - step;
  await postgres.query("insert into revocation values ('b')");

  const crashedPid = postgres.pid;
  step = Date.now();
  await postgres.kill();
  await postgres.start();
  const recoveryMs = Date.now() - step;
  assert.notEqual(postgres.pid, crashedPid);
  assert.deepEqual(await postgres.query('select jti from revocation order by jti'), [
    { jti: 'a' },
    { jti: 'b' },
  ]);
  t.diagnostic(
    `initdb and start ${startMs} ms; stop ${stopMs} ms; start ${restartMs} ms; kill and start (crash recovery) ${recoveryMs} ms`,
  );
});
