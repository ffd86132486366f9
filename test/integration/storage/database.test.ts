import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDatabase } from '../../../src/storage/database.ts';

describe('the embedded database', () => {
  it('keeps its data in the data directory across a close and a reopen', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tessera-pglite-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));

    const first = await createDatabase({ dataDir });
    assert.equal(first.kind, 'pglite');
    await first.knex.raw('create table kept (value text)');
    await first.knex('kept').insert({ value: 'still here' });
    await first.close();

    // A second instance on the same directory only opens once the first has really let go.
    const second = await createDatabase({ dataDir });
    t.after(() => second.close());
    assert.deepEqual(await second.knex('kept').select('value'), [{ value: 'still here' }]);
  });

  it('closes cleanly when no query ever ran', async () => {
    const database = await createDatabase({ memory: true });
    await database.close();
  });
});
