import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrateLatest } from '../../../src/storage/migrate.ts';
import { withPostgresSchema } from '../../helpers/postgres.ts';
import { createLocalChangeBus } from '../../../src/storage/change-bus.ts';
import { createRepositories } from '../../../src/storage/repositories.ts';
import { createRevocationList, type Revocation } from '../../../src/storage/revocations/revocation-list.ts';
import type { RevocationRow } from '../../../src/storage/tables/revocations.ts';
import { migratedDatabases } from './migrated-databases.ts';
import { withRedisPrefix } from '../../helpers/redis.ts';
import { createRedisRevocationMarks } from '../../../src/storage/revocations/redis-revocation-marks.ts';

const NOW = Date.now();
const at = (offsetSeconds: number) => new Date(NOW + offsetSeconds * 1000);
const jwt = (key: string, expiresIn: number | null): Revocation => ({
  kind: 'jwt',
  key,
  revokedAt: at(0),
  expiresAt: expiresIn === null ? null : at(expiresIn),
});

for (const [driver, open] of migratedDatabases()) {
  describe(`revocations on ${driver}`, () => {
    it('are recorded once per key, keeping the latest time and the longest expiry', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const repositories = createRepositories(knex);
      const first = await repositories.revocations.listSince(undefined, at(0));
      assert.deepEqual(first.rows, []);

      await repositories.revocations.upsert([
        jwt('a', 60),
        jwt('b', 60),
        { ...jwt('b', null), kind: 'opaque' },
      ]);
      await repositories.revocations.upsert([jwt('a', 30)]);
      await repositories.revocations.upsert([{ ...jwt('b', null), revokedAt: at(5) }]);
      const changes = await repositories.revocations.listSince(first.horizon, at(0));
      const byKey = Object.fromEntries(changes.rows.map((row) => [`${row.kind}/${row.key}`, row]));
      assert.deepEqual(Object.keys(byKey).sort(), ['jwt/a', 'jwt/b', 'opaque/b']);
      assert.deepEqual(byKey['jwt/a']?.expiresAt, at(60), 'a shorter expiry does not shorten it');
      assert.equal(byKey['jwt/b']?.expiresAt, null, 'never expiring wins');
      assert.deepEqual(byKey['jwt/b']?.revokedAt, at(5));

      // A read may hand rows back again while an older transaction (another test's, here) is
      // still running; once the horizon passes them, nothing new means nothing listed.
      let quiet = await repositories.revocations.listSince(changes.horizon, at(0));
      for (let tries = 0; quiet.rows.length > 0 && tries < 100; tries += 1) {
        assert.ok(
          quiet.rows.every((row) =>
            changes.rows.some((seen) => seen.kind === row.kind && seen.key === row.key),
          ),
          'only rows already seen come back',
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
        quiet = await repositories.revocations.listSince(quiet.horizon, at(0));
      }
      assert.deepEqual(quiet.rows, [], 'nothing new since');
      assert.deepEqual(
        (await repositories.revocations.listSince(undefined, at(61))).rows.map((row) => row.key).sort(),
        ['b', 'b'],
        'expired revocations are not listed',
      );
      assert.equal(await repositories.revocations.deleteExpired(at(61)), 1);
      assert.equal(await repositories.revocations.deleteExpired(at(61)), 0);
    });

    it('are written in the caller transaction: rolled back with it', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const repositories = createRepositories(knex);
      await assert.rejects(
        repositories.transaction(async (tx) => {
          await tx.revocations.upsert([jwt('doomed', 60)]);
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.deepEqual((await repositories.revocations.listSince(undefined, at(0))).rows, []);
    });

    it('reach every instance: at once over the change bus, else at the next poll, and expire', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const repositories = createRepositories(knex);
      const bus = createLocalChangeBus();
      let clock = NOW;
      const here = createRevocationList({ repositories, changes: bus, now: () => clock, sweepMs: 0 });
      const there = createRevocationList({ repositories, changes: bus, now: () => clock, sweepMs: 0 });
      const deaf = createRevocationList({
        repositories,
        changes: createLocalChangeBus(),
        now: () => clock,
        pollMs: 60_000,
        sweepMs: 0,
      });
      await repositories.revocations.upsert([jwt('before-start', 60)]);
      await Promise.all([here.start(), there.start(), deaf.start()]);
      t.after(async () => Promise.all([here.stop(), there.stop(), deaf.stop()]));
      assert.equal(deaf.has('jwt', 'before-start'), true, 'loaded at start');

      await here.revoke([jwt('x', 60)]);
      assert.equal(here.has('jwt', 'x'), true, 'visible here once acknowledged');
      await there.refresh(); // the bus message started this read already; wait for it
      assert.equal(there.has('jwt', 'x'), true, 'and on another instance');
      assert.equal(deaf.has('jwt', 'x'), false, 'an instance that missed the message…');
      await deaf.refresh();
      assert.equal(deaf.has('jwt', 'x'), true, '…reads it at its next poll');
      assert.equal(here.has('jwt', 'y'), false);
      assert.equal(here.has('opaque', 'x'), false, 'kinds are apart');

      clock = NOW + 61_000;
      assert.equal(here.has('jwt', 'x'), false, 'expired with its token');
    });

    it('marks JWT revocations in Redis before acknowledging them: seen at the first check everywhere', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const shared = await withRedisPrefix(t);
      if (!shared) return;
      const repositories = createRepositories(knex);
      const marks = createRedisRevocationMarks(shared.redis, shared.prefix);
      // Two instances whose change buses never meet and whose polls are a minute away: only the
      // Redis mark can tell the second one.
      const here = createRevocationList({ repositories, changes: createLocalChangeBus(), marks, sweepMs: 0 });
      const there = createRevocationList({
        repositories,
        changes: createLocalChangeBus(),
        marks,
        pollMs: 60_000,
        sweepMs: 0,
      });
      await Promise.all([here.start(), there.start()]);
      t.after(async () => Promise.all([here.stop(), there.stop()]));

      assert.equal(await there.hasAnywhere('jwt', 'marked'), false, 'not revoked yet');
      await here.revoke([jwt('marked', 60)]);
      assert.equal(there.has('jwt', 'marked'), false, 'the in-memory list has not heard yet…');
      assert.equal(await there.hasAnywhere('jwt', 'marked'), true, '…but the first check sees the mark');
      const ttl = await shared.redis.pttl(`${shared.prefix}revoked:jwt:marked`);
      assert.ok(ttl > 0 && ttl <= 60_000, `kept until the token expires (${ttl} ms)`);

      await here.revoke([{ kind: 'opaque', key: 'not-marked', revokedAt: at(0), expiresAt: at(60) }]);
      assert.equal(await shared.redis.exists(`${shared.prefix}revoked:opaque:not-marked`), 0, 'JWTs only');
      assert.equal(
        await there.hasAnywhere('opaque', 'not-marked'),
        false,
        'opaque tokens leave Redis instead',
      );
    });

    it('lets one write through when the same key is revoked many times at once', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const repositories = createRepositories(knex);
      const list = createRevocationList({ repositories, changes: createLocalChangeBus(), sweepMs: 0 });
      let writes = 0;
      const counting = {
        ...repositories,
        revocations: {
          ...repositories.revocations,
          upsert: async (rows: readonly RevocationRow[]) => {
            writes += 1;
            await repositories.revocations.upsert(rows);
          },
        },
      };
      const shared = createRevocationList({
        repositories: counting,
        changes: createLocalChangeBus(),
        sweepMs: 0,
      });
      await Promise.all(Array.from({ length: 6 }, () => shared.revoke([jwt('grant', 60)])));
      await shared.revoke([jwt('grant', 60)]);
      assert.equal(writes, 1);
      await list.start();
      t.after(() => list.stop());
      assert.equal(list.has('jwt', 'grant'), true);
    });
  });
}

describe('revocations on PostgreSQL under concurrent commits', () => {
  it('a transaction that commits after a younger one is still read', async (t) => {
    const postgres = await withPostgresSchema(t);
    if (!postgres) return;
    await migrateLatest(postgres.knex);
    const { knex } = postgres;
    const repositories = createRepositories(knex);
    const start = await repositories.revocations.listSince(undefined, at(0));

    let commitOlder!: () => void;
    const olderMayCommit = new Promise<void>((resolve) => {
      commitOlder = resolve;
    });
    let olderWrote!: () => void;
    const written = new Promise<void>((resolve) => {
      olderWrote = resolve;
    });
    const older = repositories.transaction(async (tx) => {
      await tx.revocations.upsert([jwt('older', 60)]);
      olderWrote();
      await olderMayCommit;
    });
    await written;
    await repositories.revocations.upsert([jwt('younger', 60)]);

    const first = await repositories.revocations.listSince(start.horizon, at(0));
    assert.deepEqual(
      first.rows.map((row) => row.key),
      ['younger'],
    );
    commitOlder();
    await older;
    const second = await repositories.revocations.listSince(first.horizon, at(0));
    assert.ok(
      second.rows.some((row) => row.key === 'older'),
      'the slow commit is not skipped',
    );
  });
});
