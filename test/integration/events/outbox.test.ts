import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDomain } from '../../../src/domain/create-domain.ts';
import { recordEvent } from '../../../src/domain/events/record-event.ts';
import { operatorActor } from '../../../src/domain/operator.ts';
import { createJwtAccessTokens } from '../../../src/oidc/jwt-access-tokens.ts';
import { createLocalChangeBus } from '../../../src/storage/change-bus.ts';
import { createRepositories } from '../../../src/storage/repositories.ts';
import { migratedDatabases } from '../storage/migrated-databases.ts';

/** The event outbox: token events exist exactly when the change they report was committed. */
const OPERATOR = operatorActor('test');
const NOW = new Date('2030-03-10T12:00:00.000Z');

const setup = async (knex: Parameters<typeof createRepositories>[0]) => {
  const repositories = createRepositories(knex);
  const domain = createDomain({
    repositories,
    changes: createLocalChangeBus(),
    pepper: 'a-test-pepper-that-is-long-enough-for-tessera',
    tokenEntries: undefined,
    now: () => NOW,
  });
  await domain.users.create(OPERATOR, {
    username: 'dana',
    password: 'a long enough password',
    isAdmin: true,
  });
  return { repositories, domain };
};

for (const [driver, open] of migratedDatabases()) {
  describe(`event outbox (${driver})`, () => {
    test('creating, rotating and revoking a PAT records token.created, token.rotated, token.revoked in order', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const { repositories, domain } = await setup(knex);
      const dana = await repositories.subjects.findUserByUsername('dana');
      const horizon = await repositories.events.currentHorizon();
      const { record } = await domain.accessTokens.createPersonal(OPERATOR, {
        username: 'dana',
        name: 'ci',
        scopes: ['groups:read-only'],
        expiresInDays: 30,
      });
      await domain.accessTokens.rotatePersonal(OPERATOR, record.id);
      await domain.accessTokens.revokePersonal(OPERATOR, record.id);
      const { rows } = await repositories.events.listSince(horizon);
      assert.deepEqual(
        rows.map((row) => [row.type, row.streamKey]),
        [
          ['token.created', record.id],
          ['token.rotated', record.id],
          ['token.revoked', record.id],
        ],
      );
      const revoked = rows[2];
      assert.ok(revoked);
      assert.deepEqual(revoked.data, {
        token: {
          id: record.id,
          kind: 'personal',
          jti: null,
          subject: dana?.id,
          client: null,
          audience: [],
          exp: Math.floor(NOW.getTime() / 1000) + 30 * 86_400,
          name: 'ci',
          resource: null,
        },
        reason: 'revoked',
        revokedBy: OPERATOR.id,
        revokedAt: NOW.toISOString(),
      });
      assert.equal(revoked.createdAt.toISOString(), NOW.toISOString());
    });

    test('deleting a resource records token.revoked for each of its resource tokens', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const { repositories, domain } = await setup(knex);
      const ref = { type: 'groups', id: '42' };
      await domain.resources.put(OPERATOR, ref, { name: 'Platform', parent: null });
      const { record } = await domain.accessTokens.createForResource(OPERATOR, ref, {
        name: 'deploy',
        role: 'developer',
        scopes: ['groups:read-only'],
        expiresInDays: 7,
      });
      const horizon = await repositories.events.currentHorizon();
      await domain.resources.remove(OPERATOR, ref);
      const { rows } = await repositories.events.listSince(horizon);
      assert.deepEqual(
        rows.map((row) => [row.type, row.streamKey, (row.data as { reason: string }).reason]),
        [['token.revoked', record.id, 'resource_deleted']],
      );
      assert.equal((rows[0]?.data as { token: { resource: string } }).token.resource, 'groups/42');
    });

    test('revoking a JWT access token (RFC 7009) records token.revoked with its jti, client, subject, audience and exp', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const { repositories, domain } = await setup(knex);
      const jwts = createJwtAccessTokens({
        issuer: 'https://auth.example.test',
        publicJwks: { keys: [] },
        revocations: domain.revocations,
        subjectTokens: { isLive: async () => true },
        now: () => Math.floor(NOW.getTime() / 1000),
      });
      const horizon = await repositories.events.currentHorizon();
      const exp = Math.floor(NOW.getTime() / 1000) + 300;
      await jwts.revoke(
        {
          jti: 'jti-1',
          client_id: 'billing',
          sub: 'billing',
          aud: 'https://api.example.test',
          exp,
          iat: exp - 300,
        },
        { kind: 'client', id: 'billing', meta: {} },
      );
      const { rows } = await repositories.events.listSince(horizon);
      assert.deepEqual(
        rows.map((row) => [row.type, row.streamKey, row.data]),
        [
          [
            'token.revoked',
            'jti-1',
            {
              token: {
                id: 'jti-1',
                kind: 'jwt',
                jti: 'jti-1',
                subject: 'billing',
                client: 'billing',
                audience: ['https://api.example.test'],
                exp,
              },
              reason: 'revoked',
              revokedBy: 'billing',
              revokedAt: NOW.toISOString(),
            },
          ],
        ],
      );
    });

    test('an event recorded in a transaction that rolls back is never seen', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const { repositories } = await setup(knex);
      const horizon = await repositories.events.currentHorizon();
      await assert.rejects(
        repositories.transaction(async (tx) => {
          await recordEvent(
            tx,
            { type: 'webhook.test', streamKey: 'whk_x', data: { subscription: 'whk_x', message: 'hi' } },
            NOW,
          );
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      assert.deepEqual((await repositories.events.listSince(horizon)).rows, []);
    });
  });
}
