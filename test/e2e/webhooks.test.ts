import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createPat, createUser } from '../helpers/platform-setup.ts';
import {
  cliJson,
  runCli,
  startTessera,
  suiteScope,
  type TesseraInstance,
  testEnv,
} from '../helpers/tessera-process.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * Webhooks through the real server and CLI (embedded profile): subscribe, see token events arrive
 * signed, read the delivery log, send a test event; and what /v1 refuses.
 */
type WebhookJson = { id: string; url: string; event_types: string[]; enabled: boolean; secret?: string };
type DeliveryJson = {
  eventType: string;
  state: string;
  attempts: number;
  lastAttempt: { status: number } | null;
};

const waitFor = async (check: () => boolean | Promise<boolean>, what: string) => {
  for (let tries = 0; tries < 200; tries += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
};

describe('webhooks end to end', () => {
  const scope = suiteScope(after);
  let tessera: TesseraInstance;
  let receiver: WebhookReceiver;
  let admin: string;

  before(async () => {
    const env = testEnv(scope, { TESSERA_WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' });
    receiver = await startWebhookReceiver();
    scope.after(() => receiver.close());
    await createUser(env, 'root', ['--admin']);
    admin = (await createPat(env, 'root', 'admin')).token;
    tessera = await startTessera(scope, env);
  });

  const api = (method: string, path: string, body?: unknown, token = admin) =>
    fetch(`${tessera.url}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  test('a subscription made with the CLI receives signed token events and a test event; the log shows them', async () => {
    const created = await cliJson<WebhookJson>(tessera.env, [
      'webhooks',
      'create',
      '--url',
      receiver.url,
      '--events',
      'token.created,token.revoked',
    ]);
    assert.match(created.secret ?? '', /^whsec_/);
    const pat = await createPat(tessera.env, 'root', 'tokens:read');
    const revoked = await runCli(tessera.env, ['tokens', 'revoke', pat.id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    await waitFor(() => receiver.received.length >= 2, 'two webhooks');
    const verifier = new Webhook(created.secret ?? '');
    const payloads = receiver.received.map(
      (webhook) =>
        verifier.verify(webhook.body, webhook.headers as Record<string, string>) as {
          type: string;
          data: { token: { id: string; kind: string }; reason?: string };
        },
    );
    assert.deepEqual(
      payloads.map((payload) => [payload.type, payload.data.token.id]),
      [
        ['token.created', pat.id],
        ['token.revoked', pat.id],
      ],
    );
    assert.equal(payloads[1]?.data.reason, 'revoked');

    const test = await runCli(tessera.env, ['webhooks', 'test', created.id]);
    assert.equal(test.code, 0, test.stderr);
    await waitFor(() => receiver.received.length >= 3, 'the test event');
    assert.equal(receiver.received[2]?.json.type, 'webhook.test');

    const log = await cliJson<DeliveryJson[]>(tessera.env, ['webhooks', 'deliveries', created.id]);
    assert.deepEqual(
      log.map((delivery) => [delivery.eventType, delivery.state, delivery.lastAttempt?.status]),
      [
        ['webhook.test', 'delivered', 204],
        ['token.revoked', 'delivered', 204],
        ['token.created', 'delivered', 204],
      ],
    );
    const fromApi = (await (await api('GET', `/webhooks/${created.id}/deliveries`)).json()) as {
      items: { event_type: string; state: string; last_attempt: { latency_ms: number } }[];
    };
    assert.equal(fromApi.items.length, 3);
    assert.ok(fromApi.items.every((item) => item.state === 'delivered' && item.last_attempt.latency_ms >= 0));
  });

  test('/v1/webhooks creates (secret once), lists, updates and deletes a subscription', async () => {
    const created = await api('POST', '/webhooks', { url: receiver.url, event_types: ['token.revoked'] });
    assert.equal(created.status, 201);
    const body = (await created.json()) as WebhookJson;
    assert.match(body.secret ?? '', /^whsec_/);
    assert.equal(created.headers.get('location'), `${tessera.url}/v1/webhooks/${body.id}`);
    const fetched = (await (await api('GET', `/webhooks/${body.id}`)).json()) as WebhookJson;
    assert.equal(fetched.secret, undefined, 'the secret is never shown again');
    const listed = (await (await api('GET', '/webhooks')).json()) as { items: WebhookJson[] };
    assert.ok(listed.items.some((item) => item.id === body.id && item.secret === undefined));
    const updated = await api('PATCH', `/webhooks/${body.id}`, {
      enabled: false,
      event_types: ['token.expiring'],
    });
    assert.equal(updated.status, 200);
    assert.deepEqual(((await updated.json()) as WebhookJson).event_types, ['token.expiring']);
    const test = await api('POST', `/webhooks/${body.id}/test`);
    assert.equal(test.status, 201);
    assert.equal((await api('DELETE', `/webhooks/${body.id}`)).status, 204);
    assert.equal((await api('GET', `/webhooks/${body.id}`)).status, 404);
  });

  test('/v1/webhooks refuses bad input with a problem naming the field, and callers without admin', async () => {
    for (const [input, pointer] of [
      [{ url: 'ftp://hooks.example.com/x', event_types: ['token.revoked'] }, '/url'],
      [{ url: 'https://10.0.0.7/hook', event_types: ['token.revoked'] }, '/url'],
      [{ url: 'https://169.254.169.254/latest', event_types: ['token.revoked'] }, '/url'],
      [{ url: 'https://hooks.example.com/x', event_types: ['token.nonsense'] }, '/event_types/0'],
      [{ url: 'https://hooks.example.com/x', event_types: [] }, '/event_types'],
    ] as const) {
      const reply = await api('POST', '/webhooks', input);
      assert.equal(reply.status, 400, JSON.stringify(input));
      assert.equal(reply.headers.get('content-type'), 'application/problem+json');
      const problem = (await reply.json()) as { errors?: { pointer?: string }[] };
      assert.ok(
        problem.errors?.some((error) => error.pointer === pointer),
        `${JSON.stringify(input)} → ${JSON.stringify(problem)}`,
      );
    }
    const reader = (await createPat(tessera.env, 'root', 'tokens:read tokens:write')).token;
    assert.equal((await api('GET', '/webhooks', undefined, reader)).status, 403);
  });
});
