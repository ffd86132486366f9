import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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

it('opens an embedded data directory in one process at a time', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-lock-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const first = await createDatabase({ dataDir });
  try {
    assert.equal(readFileSync(join(dataDir, 'pglite.lock'), 'utf8'), String(process.pid));
    await assert.rejects(createDatabase({ dataDir }), /in use by process/);
    // Another process is refused too, and told which process holds it.
    const module = new URL('../../../src/storage/database.ts', import.meta.url).href;
    const script = `import { createDatabase } from ${JSON.stringify(module)};
      await createDatabase({ dataDir: ${JSON.stringify(dataDir)} }).then(
        () => process.exit(0),
        (error) => { console.error(error.message); process.exit(3); });`;
    const other = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(other.status, 3, other.stderr);
    assert.match(other.stderr, new RegExp(`in use by process ${process.pid}`));
  } finally {
    await first.close();
  }
  // Released on close; a lock left by a process that died is taken over.
  writeFileSync(join(dataDir, 'pglite.lock'), '999999999');
  const again = await createDatabase({ dataDir });
  await again.close();
});
