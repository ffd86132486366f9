import { migrateLatest } from '../../src/storage/migrate.ts';
import { withPostgresSchema } from '../helpers/postgres.ts';
import { runOidcAdapterContract } from './oidc-adapter.contract.ts';
import { createSqlHarness } from './sql-harness.ts';

runOidcAdapterContract('the SQL adapter on PostgreSQL', async (t, deps) => {
  const postgres = await withPostgresSchema(t);
  if (!postgres) return undefined;
  await migrateLatest(postgres.knex);
  return createSqlHarness(postgres.knex, deps);
});
