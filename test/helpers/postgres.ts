import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Knex } from 'knex';
import pg from 'pg';
import { createDatabase } from '../../src/storage/database.ts';
import { skipOrFailUnreachable } from './unreachable.ts';

export type PostgresSchema = {
  databaseUrl: string;
  schema: string;
  knex: Knex;
};

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

let reachable: Promise<string | undefined> | undefined;

/** One probe per process: undefined when Postgres answers, else why not. */
const probe = (): Promise<string | undefined> => {
  reachable ??= (async () => {
    const client = new pg.Client({
      connectionString: DATABASE_URL,
      connectionTimeoutMillis: 2_000,
    });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      return (error as Error).message;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
};

const displayUrl = (url: string) => url.replace(/\/\/[^@/]*@/, '//');

/**
 * A fresh schema in the test database, first on the search_path of the returned knex, dropped
 * after the test. Undefined when the test was skipped (Postgres unreachable outside CI).
 */
export const withPostgresSchema = async (t: TestContext): Promise<PostgresSchema | undefined> => {
  const problem = await probe();
  if (problem !== undefined) {
    return skipOrFailUnreachable(t, `Postgres not reachable at ${displayUrl(DATABASE_URL)}: ${problem}`);
  }
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const database = await createDatabase({
    databaseUrl: DATABASE_URL,
    searchPath: schema,
  });
  await database.knex.raw('create schema ??', [schema]);
  t.after(async () => {
    try {
      await database.knex.raw('drop schema if exists ?? cascade', [schema]);
    } finally {
      await database.close();
    }
  });
  return { databaseUrl: DATABASE_URL, schema, knex: database.knex };
};
