import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT, type Scope } from './tessera-process.ts';

/**
 * Debian's Chromium driven by playwright-core, for the console's end-to-end tests. Without the
 * browser the tests are skipped with the reason, except under CI=true, where that is a failure.
 */
export const CHROMIUM = process.env.CHROME_PATH ?? '/usr/bin/chromium';

export const chromiumSkipReason = (): string | false => {
  if (existsSync(CHROMIUM) || process.env.CI === 'true') return false;
  return `${CHROMIUM} is missing (apt-get install chromium)`;
};

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');

/** One browser per suite; playwright gives it a fresh profile directory and removes it on close. */
export const launchChromium = async (scope: Scope): Promise<Browser> => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  scope.after(() => browser.close());
  return browser;
};

/** What a page did that it should not: console errors, uncaught errors, failed requests. */
export type PageWatch = { problems: string[]; requests: string[] };

/** Records every request URL and every problem of every page the context opens. */
export const watchContext = (context: BrowserContext): PageWatch => {
  const watch: PageWatch = { problems: [], requests: [] };
  const follow = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        watch.problems.push(`console ${message.type()}: ${message.text()} (${page.url()})`);
    });
    page.on('pageerror', (error) => watch.problems.push(`page error: ${error.message} (${page.url()})`));
    page.on('requestfailed', (request) =>
      watch.problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`),
    );
  };
  context.on('page', follow);
  context.on('request', (request) => watch.requests.push(request.url()));
  return watch;
};

export const newWatchedContext = async (
  browser: Browser,
  options: { origin: string; mobile?: boolean; javaScript?: boolean },
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> => {
  const context = await browser.newContext({
    viewport: options.mobile ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    ...(options.mobile ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}),
    javaScriptEnabled: options.javaScript ?? true,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: options.origin });
  const watch = watchContext(context);
  const page = await context.newPage();
  return { context, page, watch };
};

export const screenshot = async (page: Page, name: string): Promise<string> => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
};
