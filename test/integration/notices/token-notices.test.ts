import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { createDomain, type NoticeSettings } from '../../../src/domain/create-domain.ts';
import { operatorActor } from '../../../src/domain/operator.ts';
import { createLocalChangeBus } from '../../../src/storage/change-bus.ts';
import { createDatabase } from '../../../src/storage/database.ts';
import { migrateLatest } from '../../../src/storage/migrate.ts';
import { createRepositories } from '../../../src/storage/repositories.ts';
import { withPostgresSchema } from '../../helpers/postgres.ts';
import { startSmtpSink } from '../../helpers/smtp-sink.ts';

/**
 * Expiry and idle notices with a fake clock on real Postgres: the thresholds, each notice once
 * (across two instances and repeated checks), the right recipients, e-mail to a local SMTP sink,
 * and the idle policy's notice before the revocation.
 */
const OPERATOR = operatorActor('test');
const DAY = 86_400_000;
const START = new Date('2030-03-10T12:00:00.000Z');

type Data = {
  token: { id: string };
  days?: number;
  reason?: string;
  disableAt?: string;
  recipients?: { username: string; email: string | null }[];
};

const setup = async (t: TestContext, notices: NoticeSettings) => {
  const postgres = await withPostgresSchema(t);
  if (!postgres) return undefined;
  await migrateLatest(postgres.knex);
  let at = START.getTime();
  const clock = { now: () => new Date(at), set: (ms: number) => (at = START.getTime() + ms) };
  const instance = (knex: typeof postgres.knex) =>
    createDomain({
      repositories: createRepositories(knex),
      changes: createLocalChangeBus(),
      pepper: 'a-test-pepper-that-is-long-enough-for-tessera',
      tokenEntries: undefined,
      now: clock.now,
      notices,
    });
  const domain = instance(postgres.knex);
  const second = await createDatabase({ databaseUrl: postgres.databaseUrl, searchPath: postgres.schema });
  t.after(() => second.close());
  const other = instance(second.knex);
  const repositories = createRepositories(postgres.knex);
  const horizon = await repositories.events.currentHorizon();
  const events = async () =>
    (await repositories.events.listSince(horizon)).rows
      .filter((row) => row.type !== 'token.created')
      .map((row) => ({ type: row.type, data: row.data as Data }));
  return { domain, other, clock, repositories, events };
};

describe('token notices (PostgreSQL)', () => {
  test('a PAT gets token.expiring at 30, 7 and 1 days and token.expired, each once across two instances', async (t) => {
    const context = await setup(t, { expiryDays: [30, 7, 1] });
    if (!context) return;
    const { domain, other, clock, events } = context;
    await domain.users.create(OPERATOR, {
      username: 'dana',
      password: 'a long enough password',
      email: 'dana@example.com',
      isAdmin: true,
    });
    const { record } = await domain.accessTokens.createPersonal(OPERATOR, {
      username: 'dana',
      name: 'ci',
      scopes: ['groups:read-only'],
      expiresInDays: 40,
    });
    const expiresAt = record.expiresAt as Date;
    const at = (ms: number) => clock.set(expiresAt.getTime() - START.getTime() + ms);
    const check = async () => {
      await Promise.all([domain.tokenNotices.runOnce(), other.tokenNotices.runOnce()]);
      await domain.tokenNotices.runOnce();
    };
    at(-31 * DAY);
    await check();
    assert.deepEqual(await events(), [], 'nothing 31 days ahead');
    for (const days of [30, 7, 1]) {
      at(-days * DAY + 60_000);
      await check();
    }
    at(60_000);
    await check();
    const seen = await events();
    assert.deepEqual(
      seen.map((event) => [event.type, event.data.days ?? null]),
      [
        ['token.expiring', 30],
        ['token.expiring', 7],
        ['token.expiring', 1],
        ['token.expired', null],
      ],
    );
    for (const event of seen) {
      assert.equal(event.data.token.id, record.id);
      assert.deepEqual(
        event.data.recipients?.map((recipient) => [recipient.username, recipient.email]),
        [['dana', 'dana@example.com']],
      );
    }
  });

  test('a token made for 3 days gets only the 1-day notice; a server down past two thresholds sends the nearer one', async (t) => {
    const context = await setup(t, { expiryDays: [30, 7, 1] });
    if (!context) return;
    const { domain, clock, events } = context;
    await domain.users.create(OPERATOR, {
      username: 'dana',
      password: 'a long enough password',
      isAdmin: true,
    });
    const short = await domain.accessTokens.createPersonal(OPERATOR, {
      username: 'dana',
      name: 'short',
      scopes: ['groups:read-only'],
      expiresInDays: 3,
    });
    const long = await domain.accessTokens.createPersonal(OPERATOR, {
      username: 'dana',
      name: 'long',
      scopes: ['groups:read-only'],
      expiresInDays: 60,
    });
    clock.set(0);
    await domain.tokenNotices.runOnce();
    clock.set(2.5 * DAY);
    await domain.tokenNotices.runOnce();
    // Nothing ran between 30 and 6 days before the long token's expiry.
    clock.set(54 * DAY);
    await domain.tokenNotices.runOnce();
    assert.deepEqual(
      (await events()).map((event) => [event.data.token.id, event.data.days]),
      [
        [short.record.id, 1],
        [long.record.id, 7],
      ],
    );
  });

  test("a RAT's notices go to the maintainers and owners of its resource and above, by e-mail too", async (t) => {
    const sink = await startSmtpSink();
    t.after(() => sink.close());
    const context = await setup(t, {
      expiryDays: [7],
      smtpUrl: sink.url,
      smtpFrom: 'Tessera <tessera@example.com>',
    });
    if (!context) return;
    const { domain, clock, events } = context;
    const people: Record<string, string> = {};
    for (const name of ['olga', 'mia', 'dev', 'nomail']) {
      people[name] = (
        await domain.users.create(OPERATOR, {
          username: name,
          password: 'a long enough password',
          ...(name === 'nomail' ? {} : { email: `${name}@example.com` }),
        })
      ).id;
    }
    await domain.resources.put(OPERATOR, { type: 'groups', id: '1' }, { name: 'Platform', parent: null });
    await domain.resources.put(
      OPERATOR,
      { type: 'applications', id: '2' },
      { name: 'Billing', parent: { type: 'groups', id: '1' } },
    );
    await domain.resources.putMember(OPERATOR, { type: 'groups', id: '1' }, people.olga as string, 'owner');
    await domain.resources.putMember(
      OPERATOR,
      { type: 'applications', id: '2' },
      people.mia as string,
      'maintainer',
    );
    await domain.resources.putMember(
      OPERATOR,
      { type: 'applications', id: '2' },
      people.nomail as string,
      'maintainer',
    );
    await domain.resources.putMember(
      OPERATOR,
      { type: 'applications', id: '2' },
      people.dev as string,
      'developer',
    );
    const { record } = await domain.accessTokens.createForResource(
      OPERATOR,
      { type: 'applications', id: '2' },
      {
        name: 'deploy',
        role: 'developer',
        scopes: ['applications:read-only'],
        expiresInDays: 10,
      },
    );
    clock.set(3.5 * DAY);
    await domain.tokenNotices.runOnce();
    const [notice] = await events();
    assert.equal(notice?.type, 'token.expiring');
    assert.deepEqual(notice?.data.recipients?.map((recipient) => recipient.username).sort(), [
      'mia',
      'nomail',
      'olga',
    ]);
    assert.deepEqual(
      sink.mails
        .map((mail) => mail.to)
        .flat()
        .sort(),
      ['mia@example.com', 'olga@example.com'],
    );
    for (const mail of sink.mails) {
      assert.equal(mail.from, 'tessera@example.com');
      assert.match(mail.raw, /deploy/);
      assert.match(mail.raw, new RegExp(record.id));
      assert.doesNotMatch(mail.raw, /tsr_rat_/, 'never the token itself');
    }
  });

  test('the idle policy sends token.idle first, then revokes the token; a use in between keeps it', async (t) => {
    const context = await setup(t, { expiryDays: [1], idleTokenDays: 30, idleNoticeDays: 7 });
    if (!context) return;
    const { domain, other, clock, events, repositories } = context;
    await domain.users.create(OPERATOR, {
      username: 'dana',
      password: 'a long enough password',
      isAdmin: true,
    });
    const create = (name: string) =>
      domain.accessTokens.createPersonal(OPERATOR, { username: 'dana', name, scopes: ['groups:read-only'] });
    const unused = (await create('unused')).record;
    const used = (await create('used')).record;
    clock.set(20 * DAY);
    await repositories.accessTokens.recordLastUsed([{ id: used.id, at: clock.now(), ip: null }]);
    clock.set(22 * DAY);
    await domain.tokenNotices.runOnce();
    assert.deepEqual(await events(), [], 'not yet within the notice period');
    // Seven days before the 30th day without a use: the notice, sent once by two instances.
    clock.set(23 * DAY);
    await Promise.all([domain.tokenNotices.runOnce(), other.tokenNotices.runOnce()]);
    clock.set(29 * DAY);
    await domain.tokenNotices.runOnce();
    let seen = await events();
    assert.deepEqual(
      seen.map((event) => [event.type, event.data.token.id]),
      [['token.idle', unused.id]],
    );
    assert.equal(seen[0]?.data.disableAt, new Date(START.getTime() + 30 * DAY).toISOString());
    assert.equal((await domain.accessTokens.getPersonal(OPERATOR, unused.id)).state, 'active');
    clock.set(30 * DAY);
    await Promise.all([domain.tokenNotices.runOnce(), other.tokenNotices.runOnce()]);
    seen = await events();
    assert.deepEqual(
      seen.map((event) => [event.type, event.data.token.id, event.data.reason ?? null]),
      [
        ['token.idle', unused.id, null],
        ['token.revoked', unused.id, 'idle'],
      ],
    );
    assert.equal((await domain.accessTokens.getPersonal(OPERATOR, unused.id)).state, 'revoked');
    assert.equal((await domain.accessTokens.getPersonal(OPERATOR, used.id)).state, 'active');
  });
});
