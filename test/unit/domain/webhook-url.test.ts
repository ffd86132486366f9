import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { createWebhookSender } from '../../../src/domain/webhooks/webhook-sender.ts';
import { parseWebhookUrl } from '../../../src/domain/webhooks/webhook-url.ts';
import { AppError } from '../../../src/errors.ts';

/** Where a webhook may point: checked when saved, and again on the resolved address when sent. */
const STRICT = { allowHttpLoopback: false };
const LOOPBACK_ALLOWED = { allowHttpLoopback: true };

const refused = (url: string, policy = STRICT) =>
  assert.throws(
    () => parseWebhookUrl(url, policy),
    (error: unknown) => error instanceof AppError && error.status === 400 && error.field === 'url',
    url,
  );

describe('webhook URLs', () => {
  test('accepts https to a public name or address', () => {
    assert.equal(
      parseWebhookUrl('https://hooks.example.com/tessera?x=1', STRICT),
      'https://hooks.example.com/tessera?x=1',
    );
    assert.equal(parseWebhookUrl('https://203.0.113.9/hook', STRICT), 'https://203.0.113.9/hook');
  });

  test('refuses plain http, other schemes, credentials, and internal addresses', () => {
    for (const url of [
      'http://hooks.example.com/x',
      'ftp://hooks.example.com/x',
      'https://user:pw@hooks.example.com/x',
      'https://localhost/x',
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://172.20.0.1/x',
      'https://192.168.1.1/x',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/x',
      'https://[fd00::1]/x',
      'https://[::ffff:10.0.0.1]/x',
      'not a url',
    ]) {
      refused(url);
    }
  });

  test('allows http to loopback only when the operator enables it, and never to another host over http', () => {
    assert.equal(
      parseWebhookUrl('http://127.0.0.1:8080/hook', LOOPBACK_ALLOWED),
      'http://127.0.0.1:8080/hook',
    );
    assert.equal(
      parseWebhookUrl('http://localhost:8080/hook', LOOPBACK_ALLOWED),
      'http://localhost:8080/hook',
    );
    refused('http://127.0.0.1:8080/hook');
    refused('http://hooks.example.com/x', LOOPBACK_ALLOWED);
    refused('http://10.0.0.1/x', LOOPBACK_ALLOWED);
  });

  test('the sender refuses a name that resolves to loopback unless loopback is allowed', async (t) => {
    let hits = 0;
    const server = createServer((_request, response) => {
      hits += 1;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const request = { url: `http://localhost:${port}/x`, headers: {}, body: '{}', timeoutMs: 2_000 };
    const strict = await createWebhookSender(STRICT)(request);
    assert.equal(strict.status, null);
    assert.match(strict.error ?? '', /refused|public/);
    assert.equal(hits, 0, 'no connection was made');
    const allowed = await createWebhookSender(LOOPBACK_ALLOWED)(request);
    assert.equal(allowed.status, 200);
    assert.equal(hits, 1);
  });
});
