import { after, type TestContext } from 'node:test';
import type { Knex } from 'knex';
import { createDatabase, type Database } from '../../../src/storage/database.ts';
import { migrateLatest } from '../../../src/storage/migrate.ts';
import { withPostgresSchema } from '../../helpers/postgres.ts';

/** Undefined when the test was skipped (Postgres unreachable outside CI). */
export type OpenDatabase = (t: TestContext) => Promise<Knex | undefined>;

/** The tables the storage tests write to, emptied between tests on the shared PGlite. */
const TABLES = [
  'access_tokens',
  'memberships',
  'resources',
  'subjects',
  'audit_events',
  'revocations',
  'events',
];

/**
 * A migrated, empty database per test on each driver. PGlite: one in-memory instance per file
 * (starting one costs more than a second), emptied before each test. PostgreSQL: a fresh schema
 * per test, dropped after it. Call once, at the top of a test file.
 */
export const migratedDatabases = (): [driver: string, open: OpenDatabase][] => {
  let pglite: Promise<Database> | undefined;
  after(async () => (await pglite)?.close());
  return [
    [
      'PGlite',
      async () => {
        pglite ??= createDatabase({ memory: true }).then(async (database) => {
          await migrateLatest(database.knex);
          return database;
        });
        const { knex } = await pglite;
        await knex.raw(`truncate ${TABLES.join(', ')} restart identity cascade`);
        return knex;
      },
    ],
    [
      'PostgreSQL',
      async (t) => {
        const postgres = await withPostgresSchema(t);
        if (!postgres) return undefined;
        await migrateLatest(postgres.knex);
        return postgres.knex;
      },
    ],
  ];
};
