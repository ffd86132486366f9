import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import type { Knex } from 'knex';
import { AppError } from '../../../src/errors.ts';
import { createRepositories } from '../../../src/storage/repositories.ts';
import { migratedDatabases } from './migrated-databases.ts';

/**
 * Text Postgres cannot store never reaches it, and its data errors about a value are the caller's
 * input: on both drivers, every such query is a 400 `invalid_input` naming the column, and
 * nothing is written.
 */
const isInvalidInput = (field: string | undefined) => (error: unknown) => {
  assert.ok(error instanceof AppError, String(error));
  assert.equal(error.code, 'invalid_input');
  assert.equal(error.status, 400);
  assert.equal(error.field, field);
  assert.doesNotMatch(error.message, /select|insert|update/i, 'no SQL in the message');
  return true;
};

for (const [driver, open] of migratedDatabases()) {
  describe(`the query guard on ${driver}`, () => {
    const withTable = async (t: TestContext): Promise<{ knex: Knex; table: string } | undefined> => {
      const knex = await open(t);
      if (!knex) return undefined;
      const table = `guarded_${randomBytes(4).toString('hex')}`;
      await knex.raw(
        `create table ?? (id uuid primary key default gen_random_uuid(), display_name text, short_code varchar(4), details jsonb)`,
        [table],
      );
      // On PostgreSQL the test's schema (and the pool) is gone by then: the drop is for PGlite's.
      t.after(() => knex.raw('drop table if exists ??', [table]).catch(() => {}));
      return { knex, table };
    };

    it('refuses a NUL character in an insert, naming the column, and writes nothing', async (t) => {
      const setup = await withTable(t);
      if (!setup) return;
      const { knex, table } = setup;
      await assert.rejects(
        knex(table).insert({ short_code: 'ok', display_name: 'a\u0000b' }),
        isInvalidInput('displayName'),
      );
      await assert.rejects(
        knex(table).insert([
          { short_code: 'a', display_name: 'fine' },
          { short_code: 'b\u0000', display_name: 'fine' },
        ]),
        isInvalidInput('shortCode'),
      );
      assert.deepEqual(await knex(table).count({ count: '*' }), [{ count: 0 }]);
    });

    it('refuses a lone surrogate (what invalid UTF-8 decodes to) instead of storing U+FFFD', async (t) => {
      const setup = await withTable(t);
      if (!setup) return;
      const { knex, table } = setup;
      await assert.rejects(knex(table).insert({ display_name: 'x\ud800' }), isInvalidInput('displayName'));
      await assert.rejects(
        knex(table).where({ display_name: '\udfff' }).first(),
        isInvalidInput('displayName'),
      );
      assert.deepEqual(await knex(table).count({ count: '*' }), [{ count: 0 }]);
    });

    it('refuses NUL in a lookup, an in-list, an update and inside a JSON value', async (t) => {
      const setup = await withTable(t);
      if (!setup) return;
      const { knex, table } = setup;
      await knex(table).insert({ display_name: 'kept', short_code: 'k' });
      await assert.rejects(
        knex(table).where('display_name', 'a\u0000').first(),
        isInvalidInput('displayName'),
      );
      await assert.rejects(knex(table).whereIn('short_code', ['a', 'b\u0000']), isInvalidInput('shortCode'));
      await assert.rejects(
        knex(table).update({ display_name: '\u0000' }).where({ short_code: 'k' }),
        isInvalidInput('displayName'),
      );
      await assert.rejects(
        knex(table).insert({ details: JSON.stringify({ note: 'a\u0000' }) }),
        isInvalidInput('details'),
      );
      await assert.rejects(knex(table).insert({ details: { 'key\u0000': 1 } }), isInvalidInput('details'));
      assert.deepEqual(await knex(table).select('display_name'), [{ display_name: 'kept' }]);
    });

    it('turns Postgres data errors about a value into invalid_input', async (t) => {
      const setup = await withTable(t);
      if (!setup) return;
      const { knex, table } = setup;
      // 22001: value too long for varchar(4).
      await assert.rejects(knex(table).insert({ short_code: 'too long' }), isInvalidInput(undefined));
      // 22P02: not a uuid; Postgres names the parameter, so the column is known.
      await assert.rejects(knex(table).where({ id: 'not-a-uuid' }).first(), isInvalidInput('id'));
      // 22P05: a \u0000 escape Postgres cannot hold in jsonb, written as SQL text.
      await assert.rejects(knex.raw(`select '{"a":"\\u0000"}'::jsonb ->> 'a'`), isInvalidInput(undefined));
      assert.deepEqual(await knex(table).count({ count: '*' }), [{ count: 0 }]);
    });

    it('guards queries inside a transaction, which then rolls back', async (t) => {
      const setup = await withTable(t);
      if (!setup) return;
      const { knex, table } = setup;
      await assert.rejects(
        knex.transaction(async (trx) => {
          await trx(table).insert({ display_name: 'first' });
          await trx(table).insert({ display_name: 'second\u0000' });
        }),
        isInvalidInput('displayName'),
      );
      assert.deepEqual(await knex(table).count({ count: '*' }), [{ count: 0 }]);
    });

    it('answers a client lookup by an id Postgres could not store with "no such client"', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const repositories = createRepositories(knex);
      assert.equal(await repositories.clients.findById('cl_\u0000'), undefined);
      assert.equal(await repositories.clients.findById('cl_\ud800'), undefined);
      assert.equal((await repositories.clients.findByIds(['cl_\u0000', 'cl_\udc00'])).size, 0);
    });
  });
}
