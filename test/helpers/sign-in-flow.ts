import type { Browser, Page } from 'playwright-core';
import type { Scope } from './tessera-process.ts';

/** The password test/helpers/platform-setup.ts createUser gives everyone. */
export const PASSWORD = 'correct horse battery staple';

/** Says where the browser stopped instead (an error page, the same page again) and what it shows. */
const stoppedAt = async (page: Page, step: string, cause: unknown): Promise<never> => {
  const shown = await page
    .locator('body')
    .innerText()
    .catch(() => '');
  throw new Error(`${step} the browser stayed at ${page.url()}: ${shown.slice(0, 500)}`, { cause });
};

/**
 * Drives an authorization request through Tessera's real pages in Chromium: signs `username` in,
 * waits for the consent page and allows it. The application's callback is not served anywhere:
 * the browser's request to it is the answer. Gives back that URL, the page and the consent text,
 * for the caller's assertions.
 */
export const signInAndAllow = async (
  browser: Browser,
  scope: Scope,
  authorizationUrl: URL,
  redirectPrefix: string,
  username = 'alice',
): Promise<{ callback: URL; page: Page; consent: string }> => {
  const context = await browser.newContext();
  scope.after(() => context.close());
  const page: Page = await context.newPage();
  let callback: URL | undefined;
  await page.route(`${redirectPrefix}**`, async (route) => {
    callback = new URL(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
  });
  await page.goto(authorizationUrl.href);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('heading', { name: 'Allow access?' })
    .waitFor()
    .catch((error: unknown) => stoppedAt(page, 'after Sign in', error));
  const consent = await page.locator('main').innerText();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page
    .waitForURL(`${redirectPrefix}**`)
    .catch((error: unknown) => stoppedAt(page, 'after Allow', error));
  if (!callback) throw new Error('the browser did not come back to the redirect URI');
  return { callback, page, consent };
};
