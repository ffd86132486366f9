import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import * as oauth from 'openid-client';
import { chromiumSkipReason, launchChromium, newWatchedContext, screenshot } from '../helpers/browser.ts';
import {
  cliJson,
  runCli,
  startTessera,
  suiteScope,
  type TesseraInstance,
  testEnv,
} from '../helpers/tessera-process.ts';

/**
 * The console's Clients admin page in a real Chromium against the real server (embedded profile):
 * an administrator registers a web app, takes its secret once, finds it in the list and in the
 * CLI, sees /v1's refusal of a bad redirect URI next to that field, rotates the secret (the old one
 * stops, the new one gets tokens) and deletes the client after a confirmation. Someone who is not
 * an administrator has no link to the page and is refused on it.
 */
const PASSWORD = 'correct horse battery staple';
const API = 'https://billing.example.test';

describe('the console: clients', { skip: chromiumSkipReason() }, () => {
  const scope = suiteScope(after);
  let tessera: TesseraInstance;
  let browser: Browser;

  before(async () => {
    const env = testEnv(scope);
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
    await cliJson(env, [
      'api-resources',
      'create',
      '--identifier',
      API,
      '--name',
      'Billing',
      '--scopes',
      'invoices:read invoices:write',
    ]);
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

  /** A client_credentials grant with this secret: 'token', or the status it was refused with. */
  const tokenWith = async (clientId: string, secret: string): Promise<string> => {
    const config = await oauth.discovery(
      new URL(tessera.url),
      clientId,
      undefined,
      oauth.ClientSecretBasic(secret),
      { execute: [oauth.allowInsecureRequests] },
    );
    try {
      const tokens = await oauth.clientCredentialsGrant(config, { resource: API, scope: 'invoices:read' });
      return tokens.access_token ? 'token' : 'none';
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === undefined) throw error;
      return `refused ${status}`;
    }
  };

  test('an administrator registers a web app, takes its secret once, rotates it and deletes it', async () => {
    const { page, watch } = await signedIn('root', '/console/clients');
    assert.equal(
      await page.getByRole('link', { name: 'Clients', exact: true }).getAttribute('aria-current'),
      'page',
    );

    // A bad redirect URI: /v1's own words, next to the field, and the form keeps what was typed.
    await page.getByLabel('Name', { exact: true }).fill('Storefront');
    await page.getByLabel('Type', { exact: true }).selectOption('web');
    await page.getByLabel('Redirect URIs').fill('javascript:alert(1)');
    await page.getByRole('button', { name: 'Register client' }).click();
    const fieldError = page.locator('#client-redirect_uris-error');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /https/i);
    assert.equal(await page.getByLabel('Redirect URIs').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Redirect URIs').inputValue(), 'javascript:alert(1)');
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Storefront');
    await screenshot(page, 'client-bad-redirect-uri');

    await page.getByLabel('Redirect URIs').fill('https://shop.example.test/callback');
    await page.getByLabel(/^client_credentials/).check();
    await page.getByLabel(/Billing/).check();
    await page.getByLabel('invoices:read').check();
    await page.getByLabel('Require DPoP').uncheck();
    await page.getByRole('button', { name: 'Register client' }).click();
    await page.getByRole('heading', { name: 'The client secret' }).waitFor();
    const secret = await page.locator('#new-client-secret').inputValue();
    const clientId = (await page.locator('#client-id').innerText()).trim();
    assert.match(clientId, /^cl_/);
    assert.ok(secret.length >= 32, 'a secret is shown');
    assert.match(await page.locator('main').innerText(), /Client “Storefront” registered/);
    await screenshot(page, 'client-registered');
    assert.equal(await tokenWith(clientId, secret), 'token', 'the secret shown works');

    await page.reload();
    assert.equal(await page.locator('#new-client-secret').count(), 0, 'the secret is shown only once');
    assert.doesNotMatch(await page.content(), new RegExp(secret));

    await page.getByRole('link', { name: '← All clients' }).click();
    const row = page.getByRole('row', { name: /Storefront/ });
    const rowText = await row.innerText();
    assert.match(rowText, new RegExp(clientId));
    assert.match(rowText, /web/);
    assert.match(rowText, /authorization_code, refresh_token, client_credentials/);
    assert.match(rowText, new RegExp(API.replace(/[.:/]/g, '\\$&')));
    const listed = await cliJson<{ client_id: string; redirect_uris: string[]; scopes: string[] }[]>(
      tessera.env,
      ['clients', 'list'],
    );
    const mine = listed.find((client) => client.client_id === clientId);
    assert.deepEqual(mine?.redirect_uris, ['https://shop.example.test/callback']);
    assert.deepEqual(mine?.scopes, ['invoices:read']);

    // Rotate: the new secret once, the old one stops at once.
    await row.getByRole('link', { name: 'Storefront' }).click();
    await page.getByLabel('Old secret').selectOption('0');
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('heading', { name: 'The client secret' }).waitFor();
    const rotated = await page.locator('#new-client-secret').inputValue();
    assert.notEqual(rotated, secret);
    assert.match(await page.locator('main').innerText(), /Secret rotated\. The old one no longer works\./);
    assert.equal(await tokenWith(clientId, secret), 'refused 401');
    assert.equal(await tokenWith(clientId, rotated), 'token');
    await page.reload();
    assert.equal(await page.locator('#new-client-secret').count(), 0, 'the new secret is shown only once');

    // Rotate again, keeping the old secret for 24 hours: both work meanwhile.
    await page.getByLabel('Old secret').selectOption({ label: 'Works 24 more hours' });
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('heading', { name: 'The client secret' }).waitFor();
    const third = await page.locator('#new-client-secret').inputValue();
    assert.match(await page.locator('main').innerText(), /Secret rotated\. The old one works until .+ UTC\./);
    assert.match(await page.locator('main').innerText(), /Old secret works until/);
    assert.equal(await tokenWith(clientId, rotated), 'token', 'the old secret still works');
    assert.equal(await tokenWith(clientId, third), 'token');

    // Delete: a confirmation page first; Cancel keeps it, Delete removes it.
    await page.getByRole('link', { name: 'Delete client' }).click();
    await page.getByRole('heading', { name: 'Delete “Storefront”?' }).waitFor();
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Storefront' }).waitFor();
    await page.getByRole('link', { name: 'Delete client' }).click();
    await page.getByRole('button', { name: 'Delete client' }).click();
    await page.getByText('The client was deleted.').waitFor();
    assert.equal(await page.getByRole('row', { name: /Storefront/ }).count(), 0);
    const after = await cliJson<{ client_id: string }[]>(tessera.env, ['clients', 'list']);
    assert.ok(!after.some((client) => client.client_id === clientId), 'the CLI no longer lists it');
    assert.equal(await tokenWith(clientId, third), 'refused 401');
    // The refused registration answered 400 (the form again, with /v1's problem): nothing else went wrong.
    assert.deepEqual(
      watch.problems.filter((problem) => !/status of 400 .*\/console\/clients\)$/.test(problem)),
      [],
    );
    assert.equal(watch.problems.length, 1);
  });

  test('a single-page app is registered without a secret', async () => {
    const { page } = await signedIn('root', '/console/clients');
    await page.getByLabel('Name', { exact: true }).fill('Dashboard');
    await page.getByLabel('Type', { exact: true }).selectOption('spa');
    await page.getByLabel('Redirect URIs').fill('https://dash.example.test/cb');
    await page.getByRole('button', { name: 'Register client' }).click();
    await page.getByText('Client “Dashboard” registered. It is a public client: it has no secret.').waitFor();
    assert.equal(await page.locator('#new-client-secret').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Rotate secret' }).count(), 0);
  });

  test('the page fits a phone screen', async () => {
    const { page } = await signedIn('root', '/console/clients');
    await page.setViewportSize({ width: 375, height: 740 });
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    await screenshot(page, 'clients-phone');
  });

  test('someone who is not an administrator has no Clients link and is refused on the page', async () => {
    const { page } = await signedIn('alice', '/console/clients');
    await page.getByRole('heading', { name: 'Clients could not be shown' }).waitFor();
    assert.match(await page.locator('main').innerText(), /scope admin/);
    assert.equal(await page.getByRole('link', { name: 'Clients', exact: true }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Register client' }).count(), 0);
    const response = await page.goto(`${tessera.url}/console/clients`);
    assert.equal(response?.status(), 403);
  });
});
