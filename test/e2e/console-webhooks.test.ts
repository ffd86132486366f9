import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { chromiumSkipReason, launchChromium, newWatchedContext, screenshot } from '../helpers/browser.ts';
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
 * The console's Webhooks page and its expiring-token marks in a real Chromium against the real
 * server (embedded profile): an administrator adds a webhook, copies its secret, sends a test
 * event that the receiver verifies and the delivery log shows; a token that expires soon is
 * marked and rotated from the list. A user who is not an administrator is told webhooks are not
 * for them.
 */
const PASSWORD = 'correct horse battery staple';

describe('the console: webhooks and expiring tokens', { skip: chromiumSkipReason() }, () => {
  const scope = suiteScope(after);
  let tessera: TesseraInstance;
  let browser: Browser;
  let receiver: WebhookReceiver;

  before(async () => {
    const env = testEnv(scope, {
      TESSERA_WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
      TESSERA_EXPIRY_NOTICE_DAYS: '14,1',
    });
    for (const [username, admin] of [
      ['root', true],
      ['alice', false],
    ] as const) {
      const created = await runCli(
        env,
        ['users', 'create', '--username', username, '--password-stdin', ...(admin ? ['--admin'] : [])],
        `${PASSWORD}\n`,
      );
      assert.equal(created.code, 0, created.stderr);
    }
    receiver = await startWebhookReceiver();
    scope.after(() => receiver.close());
    tessera = await startTessera(scope, env);
    browser = await launchChromium(scope);
  });

  const signedIn = async (username: string, path: string) => {
    const { page, watch, context } = await newWatchedContext(browser, { origin: tessera.url });
    scope.after(() => context.close());
    await page.goto(`${tessera.url}${path}`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${tessera.url}${path}`);
    return { page, watch };
  };

  const reloadUntil = async (page: Page, text: RegExp) => {
    for (let tries = 0; tries < 40; tries += 1) {
      if (text.test(await page.locator('main').innerText())) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
      await page.reload();
    }
    assert.fail(`the page never showed ${text}`);
  };

  test('an administrator adds a webhook, copies its secret once, sends a test event and sees it delivered', async () => {
    const { page, watch } = await signedIn('root', '/console/webhooks');
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Description').fill('audit sink');
    await page.getByLabel('token.expiring').check();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('heading', { name: 'The signing secret' }).waitFor();
    const secret = await page.locator('#new-secret-value').inputValue();
    assert.match(secret, /^whsec_/);
    await screenshot(page, 'webhook-created');

    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText(/Test event evt_\d+ queued/).waitFor();
    assert.equal(await page.locator('#new-secret-value').count(), 0, 'the secret is shown only once');
    await reloadUntil(page, /webhook\.test\s+[^\n]*\n?\s*delivered/);
    const log = await page.locator('table.deliveries').innerText();
    assert.match(log, /204/);
    assert.match(log, /\d+ ms/);
    await screenshot(page, 'webhook-delivery-log');
    const [received] = receiver.received;
    assert.ok(received);
    const verified = new Webhook(secret).verify(
      received.body,
      received.headers as Record<string, string>,
    ) as {
      type: string;
    };
    assert.equal(verified.type, 'webhook.test');

    await page.getByRole('link', { name: '← All webhooks' }).click();
    const row = page.getByRole('row', { name: new RegExp(receiver.url.replace(/[/.:]/g, '\\$&')) });
    assert.match(await row.innerText(), /token\.expiring, token\.revoked/);
    assert.deepEqual(watch.problems, []);
  });

  test('someone who is not an administrator is told the management API refused', async () => {
    const { page } = await signedIn('alice', '/console/webhooks');
    await page.getByRole('heading', { name: 'Webhooks could not be shown' }).waitFor();
    assert.match(await page.locator('main').innerText(), /scope admin/);
    assert.equal(await page.getByRole('button', { name: 'Add webhook' }).count(), 0);
  });

  test('a token that expires within the first notice threshold is marked and rotated from the list', async () => {
    const soon = await cliJson<{ id: string; token: string }>(tessera.env, [
      'tokens',
      'create',
      '--user',
      'root',
      '--name',
      'nightly',
      '--scopes',
      'tokens:read',
      '--expires-in-days',
      '3',
    ]);
    await cliJson(tessera.env, [
      'tokens',
      'create',
      '--user',
      'root',
      '--name',
      'yearly',
      '--scopes',
      'tokens:read',
      '--expires-in-days',
      '300',
    ]);
    const { page } = await signedIn('root', '/console/tokens');
    const nightly = page.getByRole('row', { name: /nightly/ });
    const yearly = page.getByRole('row', { name: /yearly/ });
    assert.match(await nightly.innerText(), /expires soon/);
    assert.doesNotMatch(await yearly.innerText(), /expires soon/);
    assert.equal(await yearly.getByRole('button', { name: /Rotate/ }).count(), 0);
    await screenshot(page, 'tokens-expiring-soon');
    await nightly.getByRole('button', { name: 'Rotate nightly' }).click();
    await page.getByRole('heading', { name: /Your new token “nightly”/ }).waitFor();
    const rotated = await page.locator('#new-token-value').inputValue();
    assert.match(rotated, /^tsr_pat_/);
    assert.notEqual(rotated, soon.token);
    const status = async (token: string) =>
      (await fetch(`${tessera.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;
    assert.equal(await status(soon.token), 401, 'the old string stopped working');
    assert.equal(await status(rotated), 200);
  });
});
