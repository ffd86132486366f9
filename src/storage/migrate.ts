import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

/**
 * Runs `migrations/*.ts` on PGlite and PostgreSQL alike. The migration source is ours rather than
 * knex's directory loader: knex decides by file extension how to load a file and knows nothing of
 * Node's native TypeScript, while a plain dynamic `import()` loads them as any other module.
 * The installed package runs compiled code (`npm run build`: dist/server/src and
 * dist/server/migrations keep the repository's layout), so the same relative path finds the
 * compiled `.js` migrations next to the compiled server.
 */
export const MIGRATIONS_DIR = join(import.meta.dirname, '..', '..', 'migrations');

type MigrationFile = { name: string; path: string };
type MigrationModule = {
  up: (knex: Knex) => Promise<void>;
  down: (knex: Knex) => Promise<void>;
};

export type MigrationStatus = { completed: string[]; pending: string[] };

// `.ts` in a checkout, `.js` once compiled; a directory holds one kind or the other, never both.
const MIGRATION_FILE = /^\d{14}_[a-z0-9_]+\.[jt]s$/;

/** Names are stored without the extension, so a database migrated from sources and one migrated by the compiled package agree. */
export const createMigrationSource = (directory = MIGRATIONS_DIR): Knex.MigrationSource<MigrationFile> => ({
  async getMigrations() {
    const files = (await readdir(directory)).filter((file) => MIGRATION_FILE.test(file)).sort();
    return files.map((file) => ({
      name: file.replace(/\.[jt]s$/, ''),
      path: join(directory, file),
    }));
  },
  getMigrationName: (migration) => migration.name,
  async getMigration(migration) {
    const module = (await import(pathToFileURL(migration.path).href)) as Partial<MigrationModule>;
    if (typeof module.up !== 'function' || typeof module.down !== 'function') {
      throw new Error(`Migration ${migration.name} must export up(knex) and down(knex)`);
    }
    return { up: module.up, down: module.down };
  },
});

const config = (directory?: string): Knex.MigratorConfig => ({
  migrationSource: createMigrationSource(directory),
});

/** Losing the race to migrate: knex's lock is held, or its bookkeeping tables were created meanwhile. */
const isLockedError = (error: unknown) =>
  /already locked|relation "knex_migrations(_lock)?" already exists|duplicate key value violates unique constraint "pg_type_typname_nsp_index"/i.test(
    (error as Error)?.message ?? '',
  );

/**
 * Applies every pending migration (one batch, one transaction); returns the names applied.
 * Instances that start together all try: knex's lock lets one through and fails the others at
 * once, so those wait for the winner (bounded) and then find nothing left to do.
 */
export const migrateLatest = async (
  knex: Knex,
  directory?: string,
  options: { lockWaitMs?: number; retryEveryMs?: number } = {},
): Promise<string[]> => {
  const { lockWaitMs = 60_000, retryEveryMs = 500 } = options;
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      const [, applied] = (await knex.migrate.latest(config(directory))) as [number, string[]];
      return applied;
    } catch (error) {
      if (!isLockedError(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryEveryMs));
    }
  }
};

/** Undoes the last batch, or every batch with `all`; returns the names undone. */
export const migrateRollback = async (
  knex: Knex,
  options: { all?: boolean; directory?: string } = {},
): Promise<string[]> => {
  const [, undone] = (await knex.migrate.rollback(config(options.directory), options.all === true)) as [
    number,
    string[],
  ];
  return undone;
};

export const migrationStatus = async (knex: Knex, directory?: string): Promise<MigrationStatus> => {
  const [completed, pending] = (await knex.migrate.list(config(directory))) as [
    { name: string }[],
    MigrationFile[],
  ];
  return {
    completed: completed.map((entry) => entry.name),
    pending: pending.map((entry) => entry.name),
  };
};
