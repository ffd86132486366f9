import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createDomain, type Domain } from '../../../src/domain/create-domain.ts';
import { operatorActor } from '../../../src/domain/operator.ts';
import { createLocalChangeBus } from '../../../src/storage/change-bus.ts';
import { createDatabase } from '../../../src/storage/database.ts';
import { migrateLatest } from '../../../src/storage/migrate.ts';
import { createRepositories } from '../../../src/storage/repositories.ts';
import { withPostgresSchema } from '../../helpers/postgres.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';

/**
 * Webhook delivery against real HTTP receivers on loopback, with the real Postgres queue and a
 * fake clock that decides what is due: order per token, retries, an outage, dead letters, two
 * instances sharing one queue, and Standard Webhooks signatures.
 */
const OPERATOR = operatorActor('test');
const PEPPER = 'a-test-pepper-that-is-long-enough-for-tessera';
const MINUTE = 60_000;

type Clock = { now: () => Date; advance: (ms: number) => void };
const fakeClock = (start = new Date('2030-03-10T12:00:00.000Z')): Clock => {
  let at = start.getTime();
  return { now: () => new Date(at), advance: (ms) => (at += ms) };
};

const instance = (knex: Parameters<typeof createRepositories>[0], clock: Clock, timeoutMs = 2_000) =>
  createDomain({
    repositories: createRepositories(knex),
    changes: createLocalChangeBus(),
    pepper: PEPPER,
    tokenEntries: undefined,
    now: clock.now,
    webhooks: { allowHttpLoopback: true, timeoutMs },
  });

const setup = async (t: TestContext, clock: Clock, timeoutMs?: number) => {
  const postgres = await withPostgresSchema(t);
  if (!postgres) return undefined;
  await migrateLatest(postgres.knex);
  const domain = instance(postgres.knex, clock, timeoutMs);
  await domain.users.create(OPERATOR, {
    username: 'dana',
    password: 'a long enough password',
    isAdmin: true,
  });
  const receiver = await startWebhookReceiver();
  t.after(() => receiver.close());
  return { ...postgres, domain, receiver };
};

const subscribe = (
  domain: Domain,
  receiver: WebhookReceiver,
  eventTypes = ['token.created', 'token.rotated', 'token.revoked'],
) => domain.webhooks.create(OPERATOR, { url: receiver.url, eventTypes });

const createPat = (domain: Domain, name: string) =>
  domain.accessTokens.createPersonal(OPERATOR, {
    username: 'dana',
    name,
    scopes: ['groups:read-only'],
    expiresInDays: 30,
  });

/** Runs dispatcher rounds until nothing is due at the current fake time. */
const drain = async (domain: Domain) => {
  for (let round = 0; round < 50; round += 1) if ((await domain.webhookDispatcher.runOnce()) === 0) return;
};

const typesOf = (receiver: WebhookReceiver) => receiver.received.map((webhook) => webhook.json.type);

describe('webhook delivery (PostgreSQL)', () => {
  test('signs each request so the standardwebhooks library verifies it with the secret shown at creation', async (t) => {
    const clock = { now: () => new Date(), advance: () => {} };
    const context = await setup(t, clock);
    if (!context) return;
    const { domain, receiver } = context;
    const { secret } = await subscribe(domain, receiver);
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    const { record } = await createPat(domain, 'ci');
    await drain(domain);
    const [webhook] = receiver.received;
    assert.ok(webhook);
    const verified = new Webhook(secret).verify(webhook.body, webhook.headers as Record<string, string>) as {
      type: string;
      data: { token: { id: string } };
    };
    assert.equal(verified.type, 'token.created');
    assert.equal(verified.data.token.id, record.id);
    assert.throws(() =>
      new Webhook(secret).verify(`${webhook.body} `, webhook.headers as Record<string, string>),
    );
    const other = await subscribe(domain, receiver);
    assert.throws(() =>
      new Webhook(other.secret).verify(webhook.body, webhook.headers as Record<string, string>),
    );
  });

  test("a token's events arrive in order, a later one waiting while an earlier one is retried", async (t) => {
    const clock = fakeClock();
    const context = await setup(t, clock);
    if (!context) return;
    const { domain, receiver } = context;
    await subscribe(domain, receiver);
    // The first attempt of every event fails once; the receiver then accepts.
    const failedOnce = new Set<string>();
    receiver.answer = (webhook) => {
      const id = String(webhook.headers['webhook-id']);
      if (failedOnce.has(id)) return 204;
      failedOnce.add(id);
      return 500;
    };
    const { record } = await createPat(domain, 'ci');
    await domain.accessTokens.rotatePersonal(OPERATOR, record.id);
    await domain.accessTokens.revokePersonal(OPERATOR, record.id);
    for (let step = 0; step < 20; step += 1) {
      await drain(domain);
      clock.advance(MINUTE);
    }
    const accepted = receiver.received.filter(
      (webhook, index) =>
        receiver.received.findIndex(
          (other) => other.headers['webhook-id'] === webhook.headers['webhook-id'],
        ) !== index,
    );
    assert.deepEqual(
      accepted.map((webhook) => webhook.json.type),
      ['token.created', 'token.rotated', 'token.revoked'],
    );
    // Never a later event before an earlier one was accepted.
    assert.deepEqual(typesOf(receiver), [
      'token.created',
      'token.created',
      'token.rotated',
      'token.rotated',
      'token.revoked',
      'token.revoked',
    ]);
  });

  test('retries after a 500 and after a timeout, and the delivery log shows each attempt', async (t) => {
    const clock = fakeClock();
    const context = await setup(t, clock, 300);
    if (!context) return;
    const { domain, receiver } = context;
    const { webhook } = await subscribe(domain, receiver);
    receiver.answer = (_request, index) => (index === 0 ? 500 : index === 1 ? 'hang' : 200);
    await createPat(domain, 'ci');
    await drain(domain);
    let [delivery] = await domain.webhooks.deliveries(OPERATOR, webhook.id);
    assert.equal(delivery?.state, 'pending');
    assert.equal(delivery?.lastAttempt?.status, 500);
    clock.advance(10 * MINUTE);
    await drain(domain);
    [delivery] = await domain.webhooks.deliveries(OPERATOR, webhook.id);
    assert.equal(delivery?.state, 'pending');
    assert.equal(delivery?.lastAttempt?.status, null);
    assert.match(delivery?.lastAttempt?.error ?? '', /timed out/);
    clock.advance(10 * MINUTE);
    await drain(domain);
    [delivery] = await domain.webhooks.deliveries(OPERATOR, webhook.id);
    assert.equal(delivery?.state, 'delivered');
    assert.equal(delivery?.attempts, 3);
    assert.equal(delivery?.lastAttempt?.status, 200);
    assert.equal(receiver.received.length, 3);
    assert.equal(new Set(receiver.received.map((request) => request.headers['webhook-id'])).size, 1);
  });

  test('a receiver down for an hour gets the event once it is back', async (t) => {
    const clock = fakeClock();
    const context = await setup(t, clock);
    if (!context) return;
    const { domain, receiver } = context;
    const { webhook } = await subscribe(domain, receiver);
    await receiver.down();
    const { record } = await createPat(domain, 'ci');
    for (let minutes = 0; minutes < 60; minutes += 5) {
      await drain(domain);
      clock.advance(5 * MINUTE);
    }
    const [during] = await domain.webhooks.deliveries(OPERATOR, webhook.id);
    assert.equal(during?.state, 'pending');
    assert.ok((during?.attempts ?? 0) >= 5, `retried during the outage (${during?.attempts} attempts)`);
    assert.equal(during?.lastAttempt?.status, null);
    await receiver.up();
    // The longest backoff is an hour: within one more hour it is delivered.
    for (let minutes = 0; minutes <= 60 && receiver.received.length === 0; minutes += 5) {
      clock.advance(5 * MINUTE);
      await drain(domain);
    }
    assert.deepEqual(typesOf(receiver), ['token.created']);
    assert.equal((receiver.received[0]?.json.data as { token: { id: string } }).token.id, record.id);
    const [after] = await domain.webhooks.deliveries(OPERATOR, webhook.id);
    assert.equal(after?.state, 'delivered');
  });

  test('a delivery still failing a day after its first attempt is dead-lettered, and the next event goes out', async (t) => {
    const clock = fakeClock();
    const context = await setup(t, clock);
    if (!context) return;
    const { domain, receiver } = context;
    const { webhook } = await subscribe(domain, receiver);
    receiver.answer = () => 503;
    const { record } = await createPat(domain, 'ci');
    await domain.accessTokens.revokePersonal(OPERATOR, record.id);
    for (let hours = 0; hours <= 25; hours += 1) {
      await drain(domain);
      clock.advance(60 * MINUTE);
    }
    const log = await domain.webhooks.deliveries(OPERATOR, webhook.id);
    assert.deepEqual(
      log.map((delivery) => [delivery.eventType, delivery.state]),
      [
        ['token.revoked', 'pending'],
        ['token.created', 'dead'],
      ],
    );
    receiver.answer = () => 200;
    clock.advance(60 * MINUTE);
    await drain(domain);
    const [revoked] = await domain.webhooks.deliveries(OPERATOR, webhook.id);
    assert.equal(revoked?.state, 'delivered');
  });

  test('a disabled subscription queues events and sends them, in order, once enabled', async (t) => {
    const clock = fakeClock();
    const context = await setup(t, clock);
    if (!context) return;
    const { domain, receiver } = context;
    const { webhook } = await subscribe(domain, receiver);
    await domain.webhooks.update(OPERATOR, webhook.id, { enabled: false });
    const { record } = await createPat(domain, 'ci');
    await domain.accessTokens.revokePersonal(OPERATOR, record.id);
    await drain(domain);
    assert.equal(receiver.received.length, 0);
    await domain.webhooks.update(OPERATOR, webhook.id, { enabled: true });
    await drain(domain);
    assert.deepEqual(typesOf(receiver), ['token.created', 'token.revoked']);
  });

  test('two instances on one database send each event exactly once', async (t) => {
    const clock = fakeClock();
    const context = await setup(t, clock);
    if (!context) return;
    const { domain, receiver, databaseUrl, schema } = context;
    const second = await createDatabase({ databaseUrl, searchPath: schema });
    t.after(() => second.close());
    const other = instance(second.knex, clock);
    await subscribe(domain, receiver);
    const tokens = [];
    for (let index = 0; index < 12; index += 1)
      tokens.push((await createPat(domain, `token ${index}`)).record);
    for (const token of tokens.slice(0, 6)) await other.accessTokens.revokePersonal(OPERATOR, token.id);
    for (let round = 0; round < 10; round += 1) {
      await Promise.all([domain.webhookDispatcher.runOnce(), other.webhookDispatcher.runOnce()]);
    }
    const ids = receiver.received.map((webhook) => String(webhook.headers['webhook-id']));
    assert.equal(ids.length, 18);
    assert.equal(new Set(ids).size, 18, 'no event was sent twice');
    for (const token of tokens.slice(0, 6)) {
      const types = receiver.received
        .filter((webhook) => (webhook.json.data as { token: { id: string } }).token.id === token.id)
        .map((webhook) => webhook.json.type);
      assert.deepEqual(types, ['token.created', 'token.revoked']);
    }
  });
});
