import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { createLocalKeyEncryptionKey } from '../../../src/crypto/key-encryption-key.ts';
import { AppError } from '../../../src/errors.ts';
import { createDatabaseKeyStore } from '../../../src/keys/database-key-store.ts';
import { ensureKeys } from '../../../src/keys/generate-keys.ts';
import { databaseKeySource } from '../../../src/keys/key-source.ts';
import { rotateKeys } from '../../../src/keys/rotate-keys.ts';
import { createLocalChangeBus } from '../../../src/storage/change-bus.ts';
import { migrateLatest } from '../../../src/storage/migrate.ts';
import { createRepositories } from '../../../src/storage/repositories.ts';
import { waitUntil } from '../../helpers/fault/wait-until.ts';
import { withPostgresSchema } from '../../helpers/postgres.ts';

const SECRET = 'Gd4Ks9Lq2Xv7Nb1Tw6Rz3Hp8Mc5Fy0Je2Ua7Oi4Sn9';
const T0 = 1_800_000_000;

/** A store as one instance has it: the shared database, its own change bus and its KEK. */
const openStores = async (t: TestContext) => {
  const postgres = await withPostgresSchema(t);
  if (!postgres) return undefined;
  await migrateLatest(postgres.knex);
  const repositories = createRepositories(postgres.knex);
  const store = (secret = SECRET, changes = createLocalChangeBus()) =>
    createDatabaseKeyStore({
      repositories,
      kek: createLocalKeyEncryptionKey(secret),
      kekSource: 'TESSERA_KEY_ENCRYPTION_KEY',
      changes,
    });
  return { knex: postgres.knex, store };
};

describe('signing keys in Postgres', () => {
  test('two instances starting together on an empty table generate one key set, which both load', async (t) => {
    const opened = await openStores(t);
    if (!opened) return;
    const [first, second] = await Promise.all([
      ensureKeys(opened.store(), { now: T0 }),
      ensureKeys(opened.store(), { now: T0 }),
    ]);
    assert.deepEqual([first.action, second.action].sort(), ['generated', 'loaded']);
    const kids = (keys: { kid: string }[]) => keys.map((key) => key.kid).sort();
    assert.deepEqual(kids(first.keys), kids(second.keys));
    assert.equal((await opened.knex('signing_keys').count({ n: '*' }))[0]?.n, 3);
  });

  test('keeps only the public half in clear; the private JWK is sealed', async (t) => {
    const opened = await openStores(t);
    if (!opened) return;
    const { keys } = await ensureKeys(opened.store(), { now: T0 });
    const rows = (await opened.knex('signing_keys').select('*')) as Record<string, unknown>[];
    const text = JSON.stringify(rows);
    for (const key of keys)
      assert.equal(text.includes(key.jwk.d), false, `${key.kid}'s d is not stored in clear`);
    for (const row of rows) assert.equal((row.public_jwk as Record<string, unknown>).d, undefined);
    const byKid = (list: typeof keys) => [...list].sort((a, b) => (a.kid < b.kid ? -1 : 1));
    assert.deepEqual(byKid((await opened.store().read()) ?? []), byKid(keys));
  });

  test('refuses to load keys sealed by another key-encryption key, naming both, revealing nothing', async (t) => {
    const opened = await openStores(t);
    if (!opened) return;
    const { keys } = await ensureKeys(opened.store(), { now: T0 });
    const other = opened.store(`${SECRET}-other`);
    await assert.rejects(other.read(), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'keys_unavailable');
      assert.match(
        error.message,
        /cannot be opened with the key-encryption key from TESSERA_KEY_ENCRYPTION_KEY/,
      );
      assert.match(error.message, /sealed by local:[\w-]{12}, this key is local:[\w-]{12}/);
      for (const key of keys) assert.equal(error.message.includes(key.jwk.d), false);
      return true;
    });
  });

  test('an instance that misses the change-bus message still follows a rotation, by its poll', async (t) => {
    const opened = await openStores(t);
    if (!opened) return;
    const writer = opened.store();
    await ensureKeys(writer, { now: T0 });
    // Another instance: its own bus, which never hears the writer's messages.
    const source = databaseKeySource(opened.store(), { changes: createLocalChangeBus(), pollIntervalMs: 50 });
    let changes = 0;
    const stop = source.watch(() => (changes += 1));
    t.after(stop);
    await waitUntil('the first poll', async () => (await source.load())?.length === 3);
    const { added } = await rotateKeys(writer, { now: T0 + 10, activateInSeconds: 600 });
    await waitUntil('the rotation seen by the poll', () => changes > 0);
    const loaded = (await source.load()) ?? [];
    for (const key of added) assert.ok(loaded.some((stored) => stored.kid === key.kid));
  });

  test('an instance hears a change on the change bus at once', async (t) => {
    const opened = await openStores(t);
    if (!opened) return;
    const bus = createLocalChangeBus();
    const writer = opened.store(SECRET, bus);
    await ensureKeys(writer, { now: T0 });
    // A poll far too slow to be what tells it.
    const source = databaseKeySource(opened.store(SECRET, bus), { changes: bus, pollIntervalMs: 600_000 });
    let changes = 0;
    t.after(source.watch(() => (changes += 1)));
    await rotateKeys(writer, { now: T0 + 10, activateInSeconds: 600 });
    assert.equal(changes, 1);
  });
});
