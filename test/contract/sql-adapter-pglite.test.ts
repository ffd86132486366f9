import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSealedBox } from '../../src/crypto/sealed-box.ts';
import { createDatabase, type Database } from '../../src/storage/database.ts';
import { migrateLatest } from '../../src/storage/migrate.ts';
import { createSqlAdapterFactory } from '../../src/storage/oidc-adapter/sql-adapter.ts';
import { listOidcModels } from '../../src/storage/tables/oidc-models.ts';
import { contractDeps, runOidcAdapterContract } from './oidc-adapter.contract.ts';
import { createSqlHarness } from './sql-harness.ts';

// One in-memory database for the file: starting PGlite costs far more than a test.
let database: Promise<Database> | undefined;
const migrated = () => {
  database ??= createDatabase({ memory: true }).then(async (created) => {
    await migrateLatest(created.knex);
    return created;
  });
  return database;
};
after(async () => (await database)?.close());

runOidcAdapterContract('the SQL adapter on PGlite', async (_t, deps) =>
  createSqlHarness((await migrated()).knex, deps),
);

describe('the SQL adapter on PGlite', () => {
  let knex: Database['knex'];
  before(async () => {
    knex = (await migrated()).knex;
  });

  it('sweeps expired rows and keeps live ones', async () => {
    let now = Date.now();
    const factory = createSqlAdapterFactory({
      knex,
      ...contractDeps(),
      now: () => now,
    });
    await factory('AccessToken').upsert('sweep-short', { kind: 'AccessToken', jti: 'sweep-short' }, 10);
    await factory('AccessToken').upsert('sweep-long', { kind: 'AccessToken', jti: 'sweep-long' }, 1000);
    await factory('Grant').upsert('sweep-forever', {
      kind: 'Grant',
      jti: 'sweep-forever',
    });
    const hashedIds = new Set(['sweep-short', 'sweep-long', 'sweep-forever'].map(contractDeps().hashId));
    const remaining = async () =>
      (await listOidcModels(knex)).filter((row) => hashedIds.has(row.id)).map((row) => row.model);

    now += 11_000;
    assert.ok((await factory.sweepExpired()) >= 1);
    assert.deepEqual((await remaining()).sort(), ['AccessToken', 'Grant']);
    assert.equal((await factory('AccessToken').find('sweep-long'))?.jti, 'sweep-long');
  });

  it('starts a periodic sweep that can be stopped', async () => {
    const factory = createSqlAdapterFactory({ knex, ...contractDeps() });
    const stop = factory.startExpirySweep(60_000);
    assert.equal(typeof stop, 'function');
    stop();
  });

  it('treats an entry sealed under another pepper as absent', async () => {
    const deps = contractDeps();
    const writer = createSqlAdapterFactory({ knex, ...deps });
    const reader = createSqlAdapterFactory({
      knex,
      hashId: deps.hashId,
      sealedBox: createSealedBox('another-pepper-0123456789abcdef0123456789', 'oidc-model-payload'),
    });
    await writer('Session').upsert(
      'sealed-session',
      { kind: 'Session', jti: 'sealed-session', uid: 'u-1' },
      60,
    );
    assert.equal((await writer('Session').findByUid('u-1'))?.jti, 'sealed-session');
    assert.equal(await reader('Session').findByUid('u-1'), undefined);
  });
});
