import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { writeKeyFile } from '../../../src/keys/key-file.ts';
import { watchKeys } from '../../../src/keys/watch-keys.ts';
import { T0, keyWith, tempKeysDir } from './keys-fixtures.ts';

/** Resolves on the watcher's first call; a generous limit turns a missed change into a failure, not a hang. */
const firstChange = (start: (onChange: () => void) => { stop: () => void }) => {
  let stop = () => {};
  const changed = new Promise<void>((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error('no change reported within 10 s')), 10_000);
    stop = start(() => {
      clearTimeout(limit);
      resolve();
    }).stop;
  });
  return { changed, stop: () => stop() };
};

describe('watching the key file', () => {
  test('reports an atomic rewrite of jwks.json', async (t) => {
    const dir = await tempKeysDir(t);
    const key = await keyWith('ES256', T0);
    await writeKeyFile(dir, [key]);
    const watcher = firstChange((onChange) => watchKeys(dir, onChange, { debounceMs: 20 }));
    t.after(watcher.stop);

    await writeKeyFile(dir, [key, await keyWith('EdDSA', T0)]);
    await watcher.changed;
  });

  test('still sees the file by polling when the directory cannot be watched', async (t) => {
    // A directory that does not exist yet cannot be watched, which leaves the poll alone to notice.
    const dir = await tempKeysDir(t);
    const watcher = firstChange((onChange) =>
      watchKeys(dir, onChange, { debounceMs: 20, pollIntervalMs: 50 }),
    );
    t.after(watcher.stop);

    await writeKeyFile(dir, [await keyWith('ES256', T0)]);
    await watcher.changed;
  });

  test('does not keep the process alive', async (t) => {
    const dir = await tempKeysDir(t);
    await writeKeyFile(dir, [await keyWith('ES256', T0)]);
    const module = new URL('../../../src/keys/watch-keys.ts', import.meta.url).href;
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { watchKeys } = await import(${JSON.stringify(module)}); watchKeys(${JSON.stringify(dir)}, () => {});`,
      ],
      { stdio: 'inherit' },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const limit = setTimeout(() => child.kill(), 10_000);
    t.after(() => clearTimeout(limit));
    assert.equal(await exited, 0);
  });
});
