import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Knex } from 'knex';
import { AppError } from '../../../src/errors.ts';
import {
  type AccessTokenRow,
  findAccessTokenByHash,
  findAccessTokenById,
  findActiveTokenByName,
  insertAccessToken,
  listAccessTokens,
  type NewAccessToken,
  recordLastUsed,
  replaceTokenHash,
  revokeAccessToken,
  revokeTokensOfResource,
} from '../../../src/storage/tables/access-tokens.ts';
import { deleteResource, upsertResource } from '../../../src/storage/tables/resources.ts';
import { insertSubject } from '../../../src/storage/tables/subjects.ts';
import { migratedDatabases } from './migrated-databases.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const at = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * 1000);
const DAY = 86_400;

const seed = async (knex: Knex) => {
  await insertSubject(knex, { id: 'usr_alice', kind: 'user', username: 'alice' });
  await insertSubject(knex, { id: 'usr_bob', kind: 'user', username: 'bob' });
  await insertSubject(knex, { id: 'bot_ci', kind: 'bot', resourceType: 'groups', resourceId: '42' });
  await upsertResource(knex, {
    type: 'groups',
    id: '42',
    name: 'Payments',
    parentType: null,
    parentId: null,
  });
};

const pat = (id: string, overrides: Partial<NewAccessToken> = {}): NewAccessToken => ({
  id,
  kind: 'personal',
  name: `token ${id}`,
  subjectId: 'usr_alice',
  scopes: ['applications:read-only'],
  tokenHash: `hash-${id}`,
  displayHint: `tsr_pat_${id.slice(-4)}…`,
  expiresAt: at(30 * DAY),
  createdBy: 'usr_alice',
  createdAt: at(-DAY),
  ...overrides,
});

const rat = (id: string, overrides: Partial<NewAccessToken> = {}): NewAccessToken =>
  pat(id, {
    kind: 'resource',
    subjectId: 'bot_ci',
    resourceType: 'groups',
    resourceId: '42',
    role: 'developer',
    ...overrides,
  });

const ids = (rows: AccessTokenRow[]) => rows.map((row) => row.id);

for (const [driver, open] of migratedDatabases()) {
  describe(`the access_tokens table on ${driver}`, () => {
    it('stores personal and resource token records and finds them by id and by hash', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      const personal = await insertAccessToken(knex, pat('tok_p1', { audience: ['urn:tessera:management'] }));
      assert.deepEqual(personal, {
        id: 'tok_p1',
        kind: 'personal',
        name: 'token tok_p1',
        subjectId: 'usr_alice',
        resourceType: null,
        resourceId: null,
        role: null,
        scopes: ['applications:read-only'],
        audience: ['urn:tessera:management'],
        tokenHash: 'hash-tok_p1',
        displayHint: 'tsr_pat_k_p1…',
        expiresAt: at(30 * DAY),
        createdAt: at(-DAY),
        createdBy: 'usr_alice',
        lastUsedAt: null,
        lastUsedIp: null,
        rotatedAt: null,
        revokedAt: null,
        revokedBy: null,
      });
      const resource = await insertAccessToken(
        knex,
        rat('tok_r1', { expiresAt: null, createdAt: undefined }),
      );
      assert.ok(resource.createdAt instanceof Date, 'the database stamps it when the caller does not');
      assert.deepEqual(
        [
          resource.kind,
          resource.resourceType,
          resource.resourceId,
          resource.role,
          resource.audience,
          resource.expiresAt,
        ],
        ['resource', 'groups', '42', 'developer', [], null],
      );
      assert.deepEqual(await findAccessTokenById(knex, 'tok_p1'), personal);
      assert.deepEqual(await findAccessTokenByHash(knex, 'hash-tok_r1'), resource);
      assert.equal(await findAccessTokenById(knex, 'tok_none'), undefined);
      assert.equal(await findAccessTokenByHash(knex, 'hash-none'), undefined);
    });

    it('answers a taken hash or id with a conflict on that field, and an unknown subject as bad input', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      await insertAccessToken(knex, pat('tok_1'));
      const conflictOn = (field: string) => (error: unknown) =>
        error instanceof AppError &&
        error.code === 'conflict' &&
        error.status === 409 &&
        error.field === field;
      await assert.rejects(
        insertAccessToken(knex, pat('tok_2', { tokenHash: 'hash-tok_1' })),
        conflictOn('tokenHash'),
      );
      await assert.rejects(insertAccessToken(knex, pat('tok_1', { tokenHash: 'other' })), conflictOn('id'));
      await assert.rejects(
        insertAccessToken(knex, pat('tok_3', { subjectId: 'usr_nobody' })),
        (error) =>
          error instanceof AppError &&
          error.code === 'invalid_input' &&
          error.field === 'subjectId' &&
          error.message === 'subject usr_nobody does not exist',
      );
    });

    it('rejects a resource token without its resource and role, and a personal token with them', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      await assert.rejects(insertAccessToken(knex, rat('tok_1', { role: null })), { code: '23514' });
      await assert.rejects(insertAccessToken(knex, rat('tok_2', { resourceId: null })), { code: '23514' });
      await assert.rejects(
        insertAccessToken(knex, pat('tok_3', { resourceType: 'groups', resourceId: '42' })),
        {
          code: '23514',
        },
      );
      await assert.rejects(insertAccessToken(knex, pat('tok_4', { kind: 'session' as 'personal' })), {
        code: '23514',
      });
    });

    it('lists tokens by state at a given time', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      await insertAccessToken(knex, pat('tok_never', { expiresAt: null, createdAt: at(-5) }));
      await insertAccessToken(knex, pat('tok_later', { expiresAt: at(1), createdAt: at(-4) }));
      await insertAccessToken(knex, pat('tok_now', { expiresAt: NOW, createdAt: at(-3) }));
      await insertAccessToken(knex, pat('tok_past', { expiresAt: at(-1), createdAt: at(-2) }));
      await insertAccessToken(knex, pat('tok_revoked', { expiresAt: null, createdAt: at(-1) }));
      await insertAccessToken(knex, pat('tok_revoked_expired', { expiresAt: at(-1), createdAt: at(0) }));
      for (const id of ['tok_revoked', 'tok_revoked_expired']) {
        await revokeAccessToken(knex, id, { revokedAt: at(-1), revokedBy: 'usr_alice' });
      }
      const list = async (state: 'active' | 'expired' | 'revoked' | 'all', now = NOW) =>
        ids(await listAccessTokens(knex, { subjectId: 'usr_alice', state, now, limit: 100 }));

      assert.deepEqual(await list('active'), ['tok_later', 'tok_never']);
      assert.deepEqual(await list('expired'), ['tok_past', 'tok_now'], 'a token expires at its expires_at');
      assert.deepEqual(await list('revoked'), ['tok_revoked_expired', 'tok_revoked']);
      assert.deepEqual(await list('all'), [
        'tok_revoked_expired',
        'tok_revoked',
        'tok_past',
        'tok_now',
        'tok_later',
        'tok_never',
      ]);
      assert.deepEqual(await list('active', at(-10)), ['tok_past', 'tok_now', 'tok_later', 'tok_never']);
    });

    it('lists tokens of one subject, one resource or one kind', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      await upsertResource(knex, {
        type: 'groups',
        id: '43',
        name: 'Other',
        parentType: null,
        parentId: null,
      });
      await insertAccessToken(knex, pat('tok_alice', { createdAt: at(-3) }));
      await insertAccessToken(knex, pat('tok_bob', { subjectId: 'usr_bob', createdAt: at(-2) }));
      await insertAccessToken(knex, rat('tok_g42', { createdAt: at(-1) }));
      await insertAccessToken(knex, rat('tok_g43', { resourceId: '43', createdAt: at(0) }));
      const list = async (filter: Partial<Parameters<typeof listAccessTokens>[1]>) =>
        ids(await listAccessTokens(knex, { state: 'all', now: NOW, limit: 100, ...filter }));

      assert.deepEqual(await list({ subjectId: 'usr_bob' }), ['tok_bob']);
      assert.deepEqual(await list({ resource: { type: 'groups', id: '42' } }), ['tok_g42']);
      assert.deepEqual(await list({ subjectId: 'bot_ci' }), ['tok_g43', 'tok_g42']);
      assert.deepEqual(await list({ kind: 'personal' }), ['tok_bob', 'tok_alice']);
      assert.deepEqual(await list({ kind: 'resource', resource: { type: 'groups', id: '43' } }), ['tok_g43']);
      assert.deepEqual(await list({ kind: 'personal', resource: { type: 'groups', id: '42' } }), []);
    });

    it('pages through tokens newest first without skipping or repeating one', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      // Ties on created_at are broken by id, descending.
      const created = [
        ['tok_a', at(-3)],
        ['tok_b', at(-2)],
        ['tok_c', at(-2)],
        ['tok_d', at(-2)],
        ['tok_e', at(-1)],
      ] as const;
      for (const [id, createdAt] of created) await insertAccessToken(knex, pat(id, { createdAt }));
      // Another subject's tokens interleave in time but never show up.
      await insertAccessToken(knex, pat('tok_z', { subjectId: 'usr_bob', createdAt: at(-2) }));

      const pages: string[][] = [];
      let after: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const page = await listAccessTokens(knex, {
          subjectId: 'usr_alice',
          state: 'all',
          now: NOW,
          limit: 2,
          after,
        });
        if (page.length === 0) break;
        pages.push(ids(page));
        const last = page.at(-1) as AccessTokenRow;
        after = { createdAt: last.createdAt, id: last.id };
      }
      assert.deepEqual(pages, [['tok_e', 'tok_d'], ['tok_c', 'tok_b'], ['tok_a']]);
    });

    it('pages correctly through tokens created within the same millisecond', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      await insertAccessToken(knex, pat('tok_1', { createdAt: undefined }));
      await insertAccessToken(knex, pat('tok_2', { createdAt: undefined }));
      // As now() could stamp them: microseconds apart, which a Date (the page cursor) cannot hold.
      // The column keeps milliseconds only, so the cursor equals what is stored.
      for (const [id, stamp] of [
        ['tok_1', '2026-06-01T12:00:00.123456Z'],
        ['tok_2', '2026-06-01T12:00:00.123200Z'],
      ]) {
        await knex('access_tokens')
          .where({ id })
          .update({ created_at: knex.raw('?::timestamptz', [stamp]) });
      }
      const [first] = await listAccessTokens(knex, { state: 'all', now: NOW, limit: 1 });
      assert.ok(first);
      assert.deepEqual(first.createdAt, new Date('2026-06-01T12:00:00.123Z'));
      const after = { createdAt: first.createdAt, id: first.id };
      const rest = await listAccessTokens(knex, { state: 'all', now: NOW, limit: 10, after });
      assert.deepEqual([first.id, ...ids(rest)], ['tok_2', 'tok_1']);
    });

    it('finds the active token of a name for a subject or a resource', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      await insertAccessToken(knex, pat('tok_old', { name: 'ci', expiresAt: at(-1) }));
      await insertAccessToken(knex, pat('tok_gone', { name: 'ci', expiresAt: null }));
      await revokeAccessToken(knex, 'tok_gone', { revokedAt: at(-1), revokedBy: 'usr_alice' });
      const byName = (query: Partial<Parameters<typeof findActiveTokenByName>[1]>) =>
        findActiveTokenByName(knex, {
          kind: 'personal',
          subjectId: 'usr_alice',
          name: 'ci',
          now: NOW,
          ...query,
        });

      assert.equal(await byName({}), undefined, 'expired and revoked tokens free their name');
      await insertAccessToken(knex, pat('tok_live', { name: 'ci' }));
      assert.equal((await byName({}))?.id, 'tok_live');
      assert.equal(await byName({ name: 'CI' }), undefined, 'names compare exactly');
      assert.equal(await byName({ subjectId: 'usr_bob' }), undefined);
      assert.equal(await byName({ now: at(31 * DAY) }), undefined, 'not once it has expired');

      await insertAccessToken(knex, rat('tok_rat', { name: 'ci' }));
      const resource = { type: 'groups', id: '42' };
      assert.equal((await byName({ kind: 'resource', subjectId: undefined, resource }))?.id, 'tok_rat');
      assert.equal(
        await byName({ kind: 'resource', subjectId: undefined, resource: { type: 'groups', id: '43' } }),
        undefined,
      );
    });

    it('revokes a token once: a second revocation changes nothing', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      const token = await insertAccessToken(knex, pat('tok_1'));
      const revoked = await revokeAccessToken(knex, 'tok_1', { revokedAt: at(1), revokedBy: 'usr_alice' });
      assert.deepEqual(revoked, { ...token, revokedAt: at(1), revokedBy: 'usr_alice' });
      assert.equal(
        await revokeAccessToken(knex, 'tok_1', { revokedAt: at(2), revokedBy: 'usr_admin' }),
        undefined,
      );
      assert.deepEqual(await findAccessTokenById(knex, 'tok_1'), revoked, 'the first revocation stands');
      assert.equal(
        await revokeAccessToken(knex, 'tok_none', { revokedAt: at(1), revokedBy: 'usr_alice' }),
        undefined,
      );
    });

    it('replaces the hash of a live token, never of a revoked one', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      const token = await insertAccessToken(knex, pat('tok_1'));
      await insertAccessToken(knex, pat('tok_2'));
      const rotated = await replaceTokenHash(knex, 'tok_1', {
        tokenHash: 'hash-new',
        displayHint: 'tsr_pat_new…',
        rotatedAt: at(5),
      });
      assert.deepEqual(rotated, {
        ...token,
        tokenHash: 'hash-new',
        displayHint: 'tsr_pat_new…',
        rotatedAt: at(5),
      });
      assert.equal(await findAccessTokenByHash(knex, 'hash-tok_1'), undefined, 'the old token is gone');
      assert.deepEqual(await findAccessTokenByHash(knex, 'hash-new'), rotated);

      await assert.rejects(
        replaceTokenHash(knex, 'tok_1', { tokenHash: 'hash-tok_2', displayHint: 'x', rotatedAt: at(6) }),
        (error) => error instanceof AppError && error.code === 'conflict' && error.field === 'tokenHash',
      );
      await revokeAccessToken(knex, 'tok_2', { revokedAt: at(6), revokedBy: 'usr_alice' });
      assert.equal(
        await replaceTokenHash(knex, 'tok_2', {
          tokenHash: 'hash-other',
          displayHint: 'x',
          rotatedAt: at(7),
        }),
        undefined,
      );
      assert.equal((await findAccessTokenById(knex, 'tok_2'))?.tokenHash, 'hash-tok_2');
      assert.equal(
        await replaceTokenHash(knex, 'tok_none', { tokenHash: 'hash-x', displayHint: 'x', rotatedAt: at(7) }),
        undefined,
      );
    });

    it('revokes the live tokens of a resource and keeps them as history once it is deleted', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      await upsertResource(knex, {
        type: 'groups',
        id: '43',
        name: 'Other',
        parentType: null,
        parentId: null,
      });
      await insertAccessToken(knex, rat('tok_1'));
      await insertAccessToken(knex, rat('tok_2', { expiresAt: at(-1) }));
      await insertAccessToken(knex, rat('tok_3'));
      await insertAccessToken(knex, rat('tok_other', { resourceId: '43' }));
      await insertAccessToken(knex, pat('tok_personal'));
      await revokeAccessToken(knex, 'tok_3', { revokedAt: at(-5), revokedBy: 'usr_bob' });

      const revoked = await revokeTokensOfResource(knex, 'groups', '42', {
        revokedAt: NOW,
        revokedBy: 'usr_alice',
      });
      assert.deepEqual(
        revoked.map((row) => [row.id, row.revokedAt, row.revokedBy]),
        [
          ['tok_1', NOW, 'usr_alice'],
          ['tok_2', NOW, 'usr_alice'],
        ],
      );
      assert.deepEqual(
        (await findAccessTokenById(knex, 'tok_3'))?.revokedBy,
        'usr_bob',
        'earlier revocation stands',
      );
      assert.equal((await findAccessTokenById(knex, 'tok_other'))?.revokedAt, null);
      assert.equal((await findAccessTokenById(knex, 'tok_personal'))?.revokedAt, null);
      assert.deepEqual(
        await revokeTokensOfResource(knex, 'groups', '42', { revokedAt: NOW, revokedBy: 'x' }),
        [],
      );

      assert.equal(await deleteResource(knex, 'groups', '42'), true);
      assert.deepEqual(
        ids(
          await listAccessTokens(knex, {
            resource: { type: 'groups', id: '42' },
            state: 'revoked',
            now: NOW,
            limit: 10,
          }),
        ),
        ['tok_3', 'tok_2', 'tok_1'],
      );
    });

    it('records last use at most once a minute, only ever forward, in one batch', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await seed(knex);
      await insertAccessToken(knex, pat('tok_1'));
      await insertAccessToken(knex, pat('tok_2'));
      const lastUse = async (id: string) => {
        const row = await findAccessTokenById(knex, id);
        return [row?.lastUsedAt, row?.lastUsedIp];
      };

      assert.equal(await recordLastUsed(knex, []), 0);
      assert.equal(
        await recordLastUsed(knex, [
          { id: 'tok_1', at: at(0), ip: '192.0.2.1' },
          { id: 'tok_2', at: at(10), ip: null },
          { id: 'tok_2', at: at(20), ip: '192.0.2.2' },
          { id: 'tok_none', at: at(0), ip: '192.0.2.9' },
        ]),
        2,
      );
      assert.deepEqual(await lastUse('tok_1'), [at(0), '192.0.2.1']);
      assert.deepEqual(await lastUse('tok_2'), [at(20), '192.0.2.2'], 'the latest use of a batch wins');

      assert.equal(
        await recordLastUsed(knex, [{ id: 'tok_1', at: at(60), ip: '192.0.2.3' }]),
        0,
        'within a minute',
      );
      assert.equal(
        await recordLastUsed(knex, [{ id: 'tok_1', at: at(-120), ip: '192.0.2.3' }]),
        0,
        'never back',
      );
      assert.deepEqual(await lastUse('tok_1'), [at(0), '192.0.2.1']);

      assert.equal(
        await recordLastUsed(knex, [
          { id: 'tok_1', at: at(61), ip: '192.0.2.4' },
          { id: 'tok_2', at: at(30), ip: '192.0.2.5' },
        ]),
        1,
      );
      assert.deepEqual(await lastUse('tok_1'), [at(61), '192.0.2.4']);
      assert.deepEqual(await lastUse('tok_2'), [at(20), '192.0.2.2']);
    });
  });
}
