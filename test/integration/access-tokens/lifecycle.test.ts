import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDomain, type Domain } from '../../../src/domain/create-domain.ts';
import { operatorActor } from '../../../src/domain/operator.ts';
import { createLocalChangeBus } from '../../../src/storage/change-bus.ts';
import { createRepositories, type Repositories } from '../../../src/storage/repositories.ts';
import { migratedDatabases } from '../storage/migrated-databases.ts';

/**
 * The access-token rules that need a clock or a view into storage, run on the real databases with
 * the domain services (the server's HTTP layer adds nothing to them).
 */
const OPERATOR = operatorActor('test');
const DAY = 86_400_000;

const setup = async (knex: Parameters<typeof createRepositories>[0]) => {
  let now = new Date('2030-03-10T12:00:00.000Z');
  const repositories = createRepositories(knex);
  let hashLookups = 0;
  const counted: Repositories = {
    ...repositories,
    accessTokens: {
      ...repositories.accessTokens,
      findByHash: (hash: string) => {
        hashLookups += 1;
        return repositories.accessTokens.findByHash(hash);
      },
    },
  };
  const domain: Domain = createDomain({
    repositories: counted,
    changes: createLocalChangeBus(),
    pepper: 'a-test-pepper-that-is-long-enough-for-tessera',
    tokenEntries: undefined,
    now: () => now,
  });
  await domain.users.create(OPERATOR, {
    username: 'dana',
    password: 'a long enough password',
    isAdmin: true,
  });
  return {
    domain,
    lookups: () => hashLookups,
    setNow: (date: Date) => {
      now = date;
    },
    start: now,
  };
};

for (const [driver, open] of migratedDatabases()) {
  describe(`access-token lifecycle (${driver})`, () => {
    test('a token made for one day is active until the last millisecond and inactive from that moment', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const { domain, setNow, start } = await setup(knex);
      const { token } = await domain.accessTokens.createPersonal(OPERATOR, {
        username: 'dana',
        name: 'one day',
        scopes: ['groups:read-only'],
        expiresInDays: 1,
      });
      setNow(new Date(start.getTime() + DAY - 1000));
      assert.ok(await domain.accessTokenResolver.resolve(token, { ip: null }));
      setNow(new Date(start.getTime() + DAY));
      assert.equal(await domain.accessTokenResolver.resolve(token, { ip: null }), undefined);
    });

    test('an expires_at date lasts to the end of that day, UTC', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const { domain, setNow } = await setup(knex);
      const { token, record } = await domain.accessTokens.createPersonal(OPERATOR, {
        username: 'dana',
        name: 'until friday',
        scopes: ['groups:read-only'],
        expiresAt: '2030-03-15',
      });
      assert.equal(record.expiresAt?.toISOString(), '2030-03-15T23:59:59.999Z');
      setNow(new Date('2030-03-15T23:59:59.000Z'));
      assert.ok(await domain.accessTokenResolver.resolve(token, { ip: null }));
      setNow(new Date('2030-03-16T00:00:00.000Z'));
      assert.equal(await domain.accessTokenResolver.resolve(token, { ip: null }), undefined);
      const [expired] = (
        await domain.accessTokens.listPersonal(OPERATOR, { username: 'dana', state: 'expired' })
      ).items;
      assert.equal(expired?.id, record.id);
    });

    test('a malformed or bad-checksum token is refused before any storage lookup', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const { domain, lookups } = await setup(knex);
      const { token } = await domain.accessTokens.createPersonal(OPERATOR, {
        username: 'dana',
        name: 'real',
        scopes: ['groups:read-only'],
      });
      const flipped = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
      for (const candidate of [
        flipped,
        'tsr_pat_short',
        'tsr_xyz_' + token.slice(8),
        token.replace('tsr_pat_', 'tsr_rat_'),
      ]) {
        assert.equal(await domain.accessTokenResolver.resolve(candidate, { ip: null }), undefined);
      }
      assert.equal(lookups(), 0);
      assert.ok(await domain.accessTokenResolver.resolve(token, { ip: null }));
      assert.equal(lookups(), 1);
    });

    test('"never expires" is refused when a maximum lifetime is configured, and the maximum holds', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const domain = createDomain({
        repositories: createRepositories(knex),
        changes: createLocalChangeBus(),
        pepper: 'a-test-pepper-that-is-long-enough-for-tessera',
        tokenEntries: undefined,
        tokenMaxLifetimeDays: 90,
      });
      await domain.users.create(OPERATOR, {
        username: 'erin',
        password: 'a long enough password',
        isAdmin: true,
      });
      const base = { username: 'erin', scopes: ['groups:read-only'] };
      // About the request as a whole: no field was sent, both would do.
      await assert.rejects(domain.accessTokens.createPersonal(OPERATOR, { ...base, name: 'forever' }), {
        field: undefined,
        message:
          'tokens on this server must expire within 90 days (TESSERA_TOKEN_MAX_LIFETIME_DAYS): give expiresAt or expiresInDays',
      });
      await assert.rejects(
        domain.accessTokens.createPersonal(OPERATOR, { ...base, name: 'long', expiresInDays: 91 }),
        {
          field: 'expiresInDays',
        },
      );
      assert.ok(
        await domain.accessTokens.createPersonal(OPERATOR, { ...base, name: 'ok', expiresInDays: 90 }),
      );
    });

    test('names are unique among the owner’s active tokens, and free again once revoked', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const { domain } = await setup(knex);
      const first = await domain.accessTokens.createPersonal(OPERATOR, {
        username: 'dana',
        name: 'ci',
        scopes: ['tokens:read'],
      });
      await assert.rejects(
        domain.accessTokens.createPersonal(OPERATOR, {
          username: 'dana',
          name: 'ci',
          scopes: ['tokens:read'],
        }),
        { code: 'conflict', field: 'name' },
      );
      await domain.accessTokens.revokePersonal(OPERATOR, first.record.id);
      assert.ok(
        await domain.accessTokens.createPersonal(OPERATOR, {
          username: 'dana',
          name: 'ci',
          scopes: ['tokens:read'],
        }),
      );
    });

    test('a token id is live until the token expires or is revoked, and while its owner is enabled', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const { domain, setNow, start } = await setup(knex);
      const { isLive } = domain.accessTokenResolver;
      const { record } = await domain.accessTokens.createPersonal(OPERATOR, {
        username: 'dana',
        name: 'exchanged',
        scopes: ['groups:read-only'],
        expiresInDays: 1,
      });
      assert.equal(await isLive(record.id), true);
      assert.equal(await isLive('tok_unknown'), false);
      await domain.users.setDisabled(OPERATOR, 'dana', true);
      assert.equal(await isLive(record.id), false);
      await domain.users.setDisabled(OPERATOR, 'dana', false);
      assert.equal(await isLive(record.id), true);
      setNow(new Date(start.getTime() + DAY));
      assert.equal(await isLive(record.id), false, 'expired');
      setNow(start);
      await domain.accessTokens.revokePersonal(OPERATOR, record.id);
      assert.equal(await isLive(record.id), false, 'revoked');
    });

    test('last use is recorded with its address, off the introspection path', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const { domain } = await setup(knex);
      const { token, record } = await domain.accessTokens.createPersonal(OPERATOR, {
        username: 'dana',
        name: 'used',
        scopes: ['groups:read-only'],
      });
      await domain.accessTokenResolver.resolve(token, { ip: '203.0.113.7' });
      assert.equal(
        (await domain.accessTokens.getPersonal(OPERATOR, record.id)).lastUsedAt,
        null,
        'not written yet',
      );
      await domain.lastUsed.flush();
      const seen = await domain.accessTokens.getPersonal(OPERATOR, record.id);
      assert.ok(seen.lastUsedAt);
      assert.equal(seen.lastUsedIp, '203.0.113.7');
    });
  });
}
