import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Knex } from 'knex';
import knex from 'knex';
import ClientPgLite from 'knex-pglite';
import { lockDataDir } from './data-dir-lock.ts';
import pg from 'pg';
import { guardedClient } from './query-guard.ts';
import type { ConnectionState } from './connection-state.ts';
import { guardWithBreaker, watchedClient } from './postgres-breaker.ts';

/**
 * The SQL database behind both storage profiles: PostgreSQL through `pg` when a URL is given,
 * otherwise PGlite (Postgres compiled to WASM) in a data directory or in memory. Callers get the
 * same knex either way; the same migrations and the same `tables/` queries run on both.
 */
export type Database = {
  knex: Knex;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
};

export type DatabaseOptions = {
  /** postgres:// URL: production profile. Without it, PGlite. */
  databaseUrl?: string;
  /** PGlite keeps its files in `<dataDir>/pgdata`. */
  dataDir?: string;
  /** PGlite in memory (tests, throwaway runs). */
  memory?: boolean;
  /** Schema(s) to put first on the search_path (tests isolate themselves in a schema). */
  searchPath?: string;
  /**
   * PostgreSQL only: serve requests, failing fast while the server is unreachable (short
   * timeouts and a breaker fed into `state`). Without it the settings are patient, for
   * migrations and CLI commands, which would rather wait for a slow start than fail.
   */
  failFast?: { state: ConnectionState };
};

const INT8_OID = 20;
const TIMESTAMP_OID = 1114;
const DATE_OID = 1082;

/**
 * PGlite returns int8 as a number (a BigInt only beyond 2^53) and reads `timestamp`/`date` as UTC,
 * while `pg` returns int8 as a string and reads them in the process's local zone. These parsers
 * make `pg` answer like PGlite, so a `count(*)` or a date reads the same on both profiles.
 */
const parseInt8 = (value: string): number | bigint => {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : BigInt(value);
};
const parseUtc = (value: string): Date | string => {
  // 'infinity' and BC dates have no faithful Date: keep the text rather than invent a value.
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return value;
  const iso = value.length === 10 ? `${value}T00:00:00Z` : `${value.replace(' ', 'T')}Z`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? value : date;
};

const pgTypes = {
  getTypeParser: (oid: number, format?: string) => {
    if (format !== 'binary') {
      if (oid === INT8_OID) return parseInt8;
      if (oid === TIMESTAMP_OID || oid === DATE_OID) return parseUtc;
    }
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

// Both clients refuse text Postgres cannot store and turn its data errors into invalid_input.
// knex's own `pg` dialect, the class knex picks for `client: 'pg'` (it ships no types for it).
const PgClient = createRequire(import.meta.url)('knex/lib/dialects/postgres/index.js') as typeof Knex.Client;
const GuardedPgClient = watchedClient(guardedClient(PgClient));
const GuardedPgliteClient = guardedClient(ClientPgLite as unknown as typeof Knex.Client);

/**
 * Fail-fast settings: long enough for a loaded server (a new connection forks a backend and
 * authenticates), short enough that the request that finds a silent server answers within a
 * second; the breaker answers the ones after it at once.
 */
const FAST = { connectMs: 500, acquireMs: 1_000 };
const PATIENT = { connectMs: 5_000, acquireMs: 10_000 };

const QUIET = { warn() {}, error() {}, deprecate() {}, debug() {} };

const createPostgres = (databaseUrl: string, options: DatabaseOptions): Database => {
  const limits = options.failFast ? FAST : PATIENT;
  const instance = knex({
    client: GuardedPgClient,
    connection: {
      connectionString: databaseUrl,
      types: pgTypes,
      connectionTimeoutMillis: limits.connectMs,
      // No client-side query_timeout: pg leaves a timed-out connection in use and the bench's
      // /v1 writes got 500s with it. A silent server is noticed by the connect timeout instead.
    },
    // min 0: an idle instance holds no connection, so a Postgres restart leaves nothing stale behind.
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: limits.acquireMs,
    // knex prints pool errors to the console; they reach the caller as thrown errors anyway.
    ...(options.failFast ? { log: QUIET } : {}),
    ...(options.searchPath ? { searchPath: [options.searchPath] } : {}),
  });
  const stopBreaker = options.failFast
    ? guardWithBreaker(instance, options.failFast.state, () => probePostgres(databaseUrl))
    : () => {};
  return {
    knex: instance,
    kind: 'postgres',
    close: async () => {
      stopBreaker();
      await instance.destroy();
    },
  };
};

/** One connection, one `select 1`, closed: does the server answer right now? */
const probePostgres = async (databaseUrl: string): Promise<void> => {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: FAST.connectMs,
    query_timeout: FAST.connectMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    void client.end().catch(() => {});
  }
};

const createPglite = async (dataDir: string | undefined, memory: boolean, searchPath: string | undefined) => {
  let pglite: PGlite;
  let unlock = () => {};
  if (memory) {
    pglite = await PGlite.create();
  } else {
    if (!dataDir) throw new Error('createDatabase needs databaseUrl, dataDir or memory: true');
    const directory = join(dataDir, 'pgdata');
    await mkdir(directory, { recursive: true });
    unlock = lockDataDir(dataDir);
    try {
      pglite = await PGlite.create(directory);
    } catch (error) {
      unlock();
      throw error;
    }
  }
  const instance = knex({
    client: GuardedPgliteClient,
    dialect: 'postgres',
    // A function, not an object: knex deep-clones object connection settings, and a PGlite
    // instance must be shared, not copied.
    connection: () => ({ pglite }) as Knex.StaticConnectionConfig,
    useNullAsDefault: true,
    ...(searchPath ? { searchPath: [searchPath] } : {}),
  });
  return {
    knex: instance,
    kind: 'pglite' as const,
    async close() {
      // knex closes PGlite when it destroys its one connection; if no query ever ran there is no
      // connection to destroy, so close PGlite ourselves (files stay consistent on disk).
      await instance.destroy();
      if (!pglite.closed) await pglite.close();
      unlock();
    },
  };
};

export const createDatabase = async (options: DatabaseOptions): Promise<Database> => {
  if (options.databaseUrl) return createPostgres(options.databaseUrl, options);
  return createPglite(options.dataDir, options.memory === true, options.searchPath);
};
