import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  chromiumSkipReason,
  launchChromium,
  newWatchedContext,
  type PageWatch,
  screenshot,
} from '../helpers/browser.ts';
import { productionEnv, productionSkipReason, redisKeys } from '../helpers/production-env.ts';
import {
  cliJson,
  runCli,
  startTessera,
  suiteScope,
  testEnv,
  type TesseraInstance,
} from '../helpers/tessera-process.ts';
import { OPAQUE_API, postForm, type RegisteredClient } from '../helpers/tessera-setup.ts';

/**
 * The console in a real Chromium against the real server, as a new user would use it: sign in,
 * personal access tokens (create, copy once, list, delete), resource access tokens with a role,
 * the errors, sign-out, a keyboard-only pass, on both storage profiles. Every page is checked for
 * console errors and requests that leave the server, and photographed into test-artifacts/console/.
 */
const PASSWORD = 'correct horse battery staple';

// Expressions, not functions: they run in the page, whose DOM types this Node project does not load.
const clipboardOf = (page: Page) => page.evaluate<string>('navigator.clipboard.readText()');

type Profile = 'embedded' | 'production';

const consoleSuite = (profile: Profile, skip: string | false) =>
  describe(`the console (${profile} profile)`, { skip }, () => {
    const scope = suiteScope(after);
    let tessera: TesseraInstance;
    let browser: Browser;
    let resourceServer: RegisteredClient;
    let production: Awaited<ReturnType<typeof productionEnv>>;
    const watches: PageWatch[] = [];
    const shot = (page: Page, name: string) => screenshot(page, `${profile}-${name}`);

    const cli = (args: string[], input?: string) => runCli(tessera.env, args, input);

    const introspect = async (token: string) =>
      (await (await postForm(`${tessera.url}/token/introspection`, resourceServer, { token })).json()) as {
        active: boolean;
        scope?: string;
        sub?: string;
      };
    /** A PAT with only management scopes is shown to no other API: the management API says it works. */
    const managementStatus = async (token: string) =>
      (await fetch(`${tessera.url}/v1/access-tokens`, { headers: { authorization: `Bearer ${token}` } }))
        .status;

    const open = async (options: { mobile?: boolean; unwatched?: boolean; javaScript?: boolean } = {}) => {
      const opened = await newWatchedContext(browser, { origin: tessera.url, ...options });
      if (!options.unwatched) watches.push(opened.watch);
      return opened;
    };

    const signIn = async (page: Page, username: string, password = PASSWORD) => {
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    };

    const sessionCookies = async (context: BrowserContext) =>
      (await context.cookies()).filter((cookie) => cookie.name === 'tessera_console').length;

    before(async () => {
      let env: Record<string, string>;
      if (profile === 'production') {
        production = await productionEnv(scope);
        assert.ok(production, 'PostgreSQL and Redis are needed');
        env = production.env;
      } else {
        env = testEnv(scope);
      }
      tessera = await startTessera(scope, env);
      browser = await launchChromium(scope);

      for (const username of ['alice', 'carol']) {
        const created = await cli(
          ['users', 'create', '--username', username, '--password-stdin'],
          `${PASSWORD}\n`,
        );
        assert.equal(created.code, 0, created.stderr);
      }
      const admin = await cli(
        ['users', 'create', '--username', 'root-admin', '--admin', '--password-stdin'],
        `${PASSWORD}\n`,
      );
      assert.equal(admin.code, 0, admin.stderr);
      await cliJson(tessera.env, ['resources', 'put', 'groups', '42', '--name', 'Platform team']);
      await cliJson(tessera.env, [
        'resources',
        'put',
        'applications',
        '7',
        '--name',
        'Shop',
        '--parent',
        'groups/42',
      ]);
      await cliJson(tessera.env, [
        'resources',
        'members',
        'put',
        'groups',
        '42',
        'alice',
        '--role',
        'maintainer',
      ]);
      await cliJson(tessera.env, [
        'resources',
        'members',
        'put',
        'applications',
        '7',
        'carol',
        '--role',
        'guest',
      ]);
      await cliJson(tessera.env, [
        'api-resources',
        'create',
        '--identifier',
        OPAQUE_API,
        '--name',
        'Platform API',
        '--format',
        'opaque',
        '--scopes',
        'groups:read-only',
      ]);
      resourceServer = await cliJson<RegisteredClient>(tessera.env, [
        'clients',
        'create',
        '--name',
        'platform-api',
        '--resources',
        OPAQUE_API,
        '--introspects',
        OPAQUE_API,
      ]);
    });

    after(() => {
      // Every page of every test: no console errors, and nothing fetched from anywhere else.
      const problems = watches.flatMap((watch) => watch.problems);
      assert.deepEqual(problems, []);
      const elsewhere = watches
        .flatMap((watch) => watch.requests)
        .filter((url) => !url.startsWith(`${tessera.url}/`) && !url.startsWith('data:'));
      assert.deepEqual(elsewhere, []);
    });

    test('a wrong password shows the generic error and starts no session', async () => {
      const { context, page } = await open();
      await page.goto(`${tessera.url}/console`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await shot(page, 'sign-in');
      await signIn(page, 'alice', 'not the password at all');
      await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
      assert.match(page.url(), /\/interaction\//);
      assert.equal(await page.getByLabel('Username').inputValue(), 'alice');
      await shot(page, 'sign-in-wrong-password');
      // The same message for a user that does not exist: nothing tells them apart.
      await signIn(page, 'nobody-here', 'not the password at all');
      await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
      assert.equal(await sessionCookies(context), 0);
      const names = (await context.cookies()).map((cookie) => cookie.name);
      assert.ok(!names.includes('_session'), `no provider session: ${names.join(', ')}`);
      await context.close();
    });

    test('a user signs in, adds a PAT with a preset expiry and two scopes, copies it once, and deletes it', async () => {
      const { context, page } = await open();
      await page.goto(`${tessera.url}/console`);
      await signIn(page, 'alice');
      await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/console/tokens');
      await shot(page, 'tokens-empty');

      await page.getByLabel('Name', { exact: true }).fill('deploy from CI');
      await page.getByLabel('Expiration', { exact: true }).selectOption('60');
      await page.getByRole('checkbox', { name: 'groups:read-only' }).check();
      await page.getByRole('checkbox', { name: 'tokens:read' }).check();
      await page.getByRole('button', { name: 'Add token' }).click();

      const field = page.getByRole('textbox', { name: 'New token' });
      await field.waitFor();
      const token = await field.inputValue();
      assert.match(token, /^tsr_pat_[0-9A-Za-z]{49}$/);
      assert.equal(await field.getAttribute('readonly'), '');
      await page.getByText('it will not be shown again').waitFor();
      await page.getByRole('button', { name: 'Copy' }).click();
      await page.getByText('Copied to the clipboard.').waitFor();
      assert.equal(await clipboardOf(page), token);
      await shot(page, 'tokens-new-token');

      const active = await introspect(token);
      assert.equal(active.active, true);
      // The platform API is not told of the management scope (tokens:read).
      assert.equal(active.scope, 'groups:read-only');

      await page.reload();
      await page.getByRole('heading', { name: 'Active access tokens' }).waitFor();
      assert.ok(!(await page.content()).includes(token), 'the token is gone after a reload');
      assert.equal(await page.getByRole('textbox', { name: 'New token' }).count(), 0);
      const row = page.getByRole('row').filter({ hasText: 'deploy from CI' });
      await row.waitFor();
      const expected = new Date(Date.now() + 60 * 86_400_000).toLocaleDateString('en-GB', {
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        timeZone: 'UTC',
      });
      assert.match(await row.innerText(), new RegExp(expected));
      assert.match(await row.innerText(), /Never used/);
      await shot(page, 'tokens-list');

      await row.getByRole('link', { name: 'Delete deploy from CI' }).click();
      await page.getByRole('heading', { name: 'Delete “deploy from CI”?' }).waitFor();
      await shot(page, 'tokens-delete-confirm');
      await page.getByRole('button', { name: 'Delete token' }).click();
      await page.getByText('The token “deploy from CI” was deleted').waitFor();
      assert.equal(await page.getByRole('row').filter({ hasText: 'deploy from CI' }).count(), 0);
      assert.deepEqual(await introspect(token), { active: false });

      await page.getByRole('link', { name: 'Revoked' }).click();
      await page.getByRole('row').filter({ hasText: 'deploy from CI' }).waitFor();
      await context.close();
    });

    test('errors appear next to their field: name taken, date in the past, scope not allowed', async () => {
      const { context, page } = await open();
      await page.goto(`${tessera.url}/console/tokens`);
      await signIn(page, 'alice');
      const add = async (name: string, setup: () => Promise<void> = async () => {}) => {
        await page.getByLabel('Name', { exact: true }).fill(name);
        await page.getByRole('checkbox', { name: 'tokens:read' }).check();
        await setup();
        await page.getByRole('button', { name: 'Add token' }).click();
      };
      await add('nightly');
      await page.getByRole('textbox', { name: 'New token' }).waitFor();
      await add('nightly');
      const name = page.getByLabel('Name', { exact: true });
      await page.locator('#token-name-error').getByText('already exists').waitFor();
      assert.equal(await name.getAttribute('aria-invalid'), 'true');
      assert.match((await name.getAttribute('aria-describedby')) ?? '', /token-name-error/);
      await shot(page, 'tokens-error-name-taken');

      await add('yesterday', async () => {
        await page.getByLabel('Expiration', { exact: true }).selectOption('date');
        await page.getByLabel('Expiration date').fill('2020-01-01');
      });
      await page.locator('#token-expiry-error').getByText('in the future').waitFor();
      await shot(page, 'tokens-error-date-past');

      // A form older than a change of membership can offer a scope the user no longer holds.
      // (Input problems are answered before permission problems, so the expiry must be valid.)
      await page.getByLabel('Name', { exact: true }).fill('too much');
      await page.getByLabel('Expiration', { exact: true }).selectOption('30');
      await page
        .locator('#add-token')
        .evaluate((form) =>
          form.insertAdjacentHTML(
            'beforeend',
            '<input type="checkbox" name="scopes" value="admin" checked hidden>',
          ),
        );
      await page.getByRole('button', { name: 'Add token' }).click();
      await page.locator('#token-scopes-error').getByText('admin').waitFor();
      await shot(page, 'tokens-error-scope');
      await context.close();
    });

    test('a maintainer adds a resource access token with a role, and the list shows its bot', async () => {
      const { context, page } = await open();
      await page.goto(`${tessera.url}/console/resources`);
      await signIn(page, 'alice');
      await page.getByRole('heading', { name: 'Resources' }).waitFor();
      // The group's membership reaches the application below it: shown in the tree, nested.
      const shop = page.locator('.tree li li .node').filter({ hasText: 'Shop' });
      assert.match(await shop.innerText(), /maintainer\s+from Platform team/);
      await shop.getByRole('link', { name: 'Settings → Access tokens of Shop' }).waitFor();
      await shot(page, 'resources');
      await page.getByRole('link', { name: 'Settings → Access tokens of Platform team' }).click();
      await page.getByRole('heading', { name: 'Access tokens of Platform team' }).waitFor();

      const roles = await page.getByLabel('Role').locator('option').allTextContents();
      assert.deepEqual(roles, ['maintainer', 'developer', 'guest']);
      await page.getByLabel('Name', { exact: true }).fill('shop deployer');
      await page.getByLabel('Role').selectOption('developer');
      assert.equal(await page.getByRole('checkbox', { name: 'groups:read-write' }).isDisabled(), true);
      await page.getByRole('checkbox', { name: 'applications:read-write' }).check();
      await page.getByLabel('Expiration', { exact: true }).selectOption('7');
      await page.getByRole('button', { name: 'Add token' }).click();
      const token = await page.getByRole('textbox', { name: 'New token' }).inputValue();
      assert.match(token, /^tsr_rat_/);
      await shot(page, 'resource-tokens-new-token');
      const view = await introspect(token);
      assert.equal(view.active, true);
      assert.match(view.sub ?? '', /^bot_/);

      await page.reload();
      const row = page.getByRole('row').filter({ hasText: 'shop deployer' });
      await row.waitFor();
      assert.match(await row.innerText(), /developer/);
      assert.match(await row.innerText(), new RegExp(view.sub as string));
      assert.ok(!(await page.content()).includes(token));
      await shot(page, 'resource-tokens-list');
      await context.close();
    });

    test('a guest sees the resource but not its token settings, and is refused them', async () => {
      const { context, page, watch } = await open();
      await page.goto(`${tessera.url}/console/resources`);
      await signIn(page, 'carol');
      const node = page.locator('.node').filter({ hasText: 'Shop' });
      await node.waitFor();
      assert.match(await node.innerText(), /guest/);
      assert.equal(await page.getByRole('link', { name: /Settings → Access tokens/ }).count(), 0);
      const refused = await page.goto(`${tessera.url}/console/resources/applications/7/access-tokens`);
      assert.equal(refused?.status(), 403);
      await page.getByRole('heading', { name: 'You cannot manage the access tokens of Shop' }).waitFor();
      assert.equal(await page.getByLabel('Name', { exact: true }).count(), 0);
      await shot(page, 'resource-tokens-refused');
      await context.close();
      // Chromium reports the page's own 403 as a console error: the one error this test expects.
      assert.deepEqual(
        watch.problems.map((problem) => problem.replace(/ \(http.*$/, '')),
        ['console error: Failed to load resource: the server responded with a status of 403 (Forbidden)'],
      );
      watch.problems.length = 0;
    });

    test('a list the management API refuses shows why and a way back, never an empty list', async () => {
      const { context, page, watch } = await open();
      await page.goto(`${tessera.url}/console/tokens`);
      await signIn(page, 'alice');
      await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
      /** A page opened with a cursor the API refuses: its words in an alert, no "none", and the first page. */
      const refusedList = async (path: string, heading: string, noneText: string) => {
        const refused = await page.goto(`${tessera.url}${path}`);
        assert.equal(refused?.status(), 400);
        await page.getByRole('heading', { name: heading }).waitFor();
        const alert = page.getByRole('alert').filter({ hasText: 'The tokens could not be listed' });
        await alert
          .getByText(/cursor/)
          .first()
          .waitFor();
        assert.equal(await page.getByText(noneText).count(), 0);
        return alert.getByRole('link', { name: 'Show the first page' });
      };

      const firstPage = await refusedList(
        '/console/tokens?cursor=garbage',
        'Personal access tokens',
        'You have no active personal access tokens',
      );
      await shot(page, 'tokens-list-refused');
      await firstPage.click();
      await page.getByRole('heading', { name: 'Active access tokens' }).waitFor();
      assert.equal(new URL(page.url()).search, '?state=active');
      assert.equal(await page.getByRole('alert').count(), 0);

      const firstRevoked = await refusedList(
        '/console/resources/groups/42/access-tokens?state=revoked&cursor=garbage',
        'Access tokens of Platform team',
        'No revoked tokens.',
      );
      await firstRevoked.click();
      await page.getByRole('heading', { name: 'Access tokens', exact: true }).waitFor();
      assert.equal(new URL(page.url()).search, '?state=revoked');
      await context.close();
      // Chromium reports each refused page's 400 as a console error: the two this test expects.
      assert.deepEqual(
        watch.problems.map((problem) => problem.replace(/ \(http.*$/, '')),
        Array(2).fill(
          'console error: Failed to load resource: the server responded with a status of 400 (Bad Request)',
        ),
      );
      watch.problems.length = 0;
    });

    test('an administrator browses every resource by name and manages the tokens of one they are no member of', async () => {
      const { context, page } = await open();
      await page.goto(`${tessera.url}/console/resources`);
      await signIn(page, 'root-admin');
      await page.getByRole('heading', { name: 'Resources' }).waitFor();
      await page.getByText('As an administrator of this Tessera you are owner of every resource').waitFor();
      assert.equal(await page.getByText('You are not a member of any resource yet').count(), 0);
      const group = page.locator('.tree > li > .node').filter({ hasText: 'Platform team' });
      assert.match(await group.innerText(), /owner\s+as administrator/);
      const shop = page.locator('.tree li li .node').filter({ hasText: 'Shop' });
      assert.match(await shop.innerText(), /owner\s+as administrator/);
      await shot(page, 'resources-admin');
      await shop.getByRole('link', { name: 'Settings → Access tokens of Shop' }).click();

      // The resource's name where it is named, its type and id beside it.
      await page.getByRole('heading', { name: 'Access tokens of Shop' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: /applications\/7/ }).count(), 0);
      assert.match(await page.locator('.breadcrumbs').innerText(), /Shop\s+applications\/7/);
      assert.match(await page.locator('.page-head').innerText(), /application\s+applications\/7/);
      const roles = await page.getByLabel('Role').locator('option').allTextContents();
      assert.deepEqual(roles, ['owner', 'maintainer', 'developer', 'guest']);
      await page.getByLabel('Name', { exact: true }).fill('admin made');
      await page.getByLabel('Role').selectOption('guest');
      await page.getByRole('checkbox', { name: 'applications:read-only' }).check();
      await page.getByRole('button', { name: 'Add token' }).click();
      const token = await page.getByRole('textbox', { name: 'New token' }).inputValue();
      assert.match(token, /^tsr_rat_/);
      assert.equal((await introspect(token)).active, true);
      await shot(page, 'resource-tokens-admin');

      // Typed straight into the address bar: the same page, named the same.
      await page.goto(`${tessera.url}/console/resources/groups/42/access-tokens`);
      await page.getByRole('heading', { name: 'Access tokens of Platform team' }).waitFor();
      assert.match(await page.locator('.breadcrumbs').innerText(), /Platform team\s+groups\/42/);
      await context.close();
    });

    test('a session that ended sends the user to sign in and back to where they were; sign-out ends it', async () => {
      const { context, page } = await open();
      await page.goto(`${tessera.url}/console/resources`);
      await signIn(page, 'alice');
      await page.getByRole('heading', { name: 'Resources' }).waitFor();
      await context.clearCookies();
      await page.goto(`${tessera.url}/console/tokens?state=revoked`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await signIn(page, 'alice');
      await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
      assert.equal(new URL(page.url()).search, '?state=revoked');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
      await shot(page, 'signed-out');
      assert.equal(await sessionCookies(context), 0);
      await page.getByRole('link', { name: 'Sign in again' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await context.close();
    });

    test('the main flow works with the keyboard alone, with a visible focus', async () => {
      const { context, page } = await open();
      const tabTo = async (selector: string) => {
        for (let i = 0; i < 60; i += 1) {
          if ((await page.locator(`${selector}:focus`).count()) > 0) return;
          await page.keyboard.press('Tab');
        }
        assert.fail(`Tab never reached ${selector}`);
      };
      await page.goto(`${tessera.url}/console`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await tabTo('#username');
      await page.keyboard.type('alice');
      await page.keyboard.press('Tab');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();

      await tabTo('#token-name');
      await page.keyboard.type('keyboard only');
      await tabTo('#token-expiry');
      await page.keyboard.press('ArrowDown'); // 30 → 60 days
      await tabTo('#scope-tokens-read');
      await page.keyboard.press('Space');
      const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
      assert.notEqual(outline, 'none', 'the focused control shows it');
      await tabTo('button[type="submit"].button:not(.button-quiet)');
      await page.keyboard.press('Enter');

      await page.getByRole('textbox', { name: 'New token' }).waitFor();
      const token = await page.getByRole('textbox', { name: 'New token' }).inputValue();
      assert.equal(await page.locator(':focus').getAttribute('id'), 'new-token-value');
      await tabTo('button[data-copy-target]');
      await page.keyboard.press('Enter');
      await page.getByText('Copied to the clipboard.').waitFor();
      assert.equal(await clipboardOf(page), token);
      assert.equal(await managementStatus(token), 200);

      await tabTo('a[aria-label="Delete keyboard only"]');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Delete “keyboard only”?' }).waitFor();
      await tabTo('button.button-danger');
      await page.keyboard.press('Enter');
      await page.getByText('The token “keyboard only” was deleted').waitFor();
      assert.equal(await managementStatus(token), 401);
      await context.close();
    });

    test(
      'a client that is not first-party asks for consent after sign-in',
      {
        skip:
          profile === 'embedded' && 'registering an authorization-code client needs SQL beside the server',
      },
      async () => {
        // The CLI registers only machine clients so far: a partner web app is written in directly.
        await production?.sql(
          `insert into clients (client_id, name, secret_hash, grant_types, resources, scopes, redirect_uris,
             token_endpoint_auth_method, first_party)
           values ('partner-app', 'Partner app', null, $1, $2, $3, $4, 'none', false)`,
          [
            ['authorization_code'],
            ['urn:tessera:management'],
            ['tokens:read'],
            [`${tessera.url}/partner/callback`],
          ],
        );
        const { context, page } = await open({ unwatched: true });
        const verifier = randomBytes(32).toString('base64url');
        const authorize = (state: string) =>
          `${tessera.url}/auth?${new URLSearchParams({
            client_id: 'partner-app',
            response_type: 'code',
            redirect_uri: `${tessera.url}/partner/callback`,
            scope: 'openid tokens:read',
            resource: 'urn:tessera:management',
            state,
            code_challenge: createHash('sha256').update(verifier).digest('base64url'),
            code_challenge_method: 'S256',
          })}`;
        await page.goto(authorize('first'));
        await page.getByText('to continue to Partner app').waitFor();
        await signIn(page, 'alice');
        await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
        assert.match(await page.locator('main').innerText(), /Partner app[\s\S]*tokens:read/);
        await shot(page, 'consent');
        await page.getByRole('button', { name: 'Allow' }).click();
        await page.waitForURL(/\/partner\/callback\?/);
        const granted = new URL(page.url()).searchParams;
        assert.equal(granted.get('state'), 'first');
        assert.ok(granted.get('code'));

        // Consented once, the same request no longer asks.
        await page.goto(authorize('again'));
        await page.waitForURL(/\/partner\/callback\?/);
        assert.ok(new URL(page.url()).searchParams.get('code'));
        await context.close();
      },
    );

    test('sign-in is refused for a while after too many wrong passwords for a username', async () => {
      // Unwatched: the 429 page is the expected outcome, and Chromium reports it as a console error.
      const { context, page } = await open({ unwatched: true });
      await page.goto(`${tessera.url}/console`);
      for (let i = 0; i < 10; i += 1) {
        await signIn(page, 'mallory-target', `guess number ${i}`);
        await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
      }
      const refused = page.waitForResponse((response) => response.url().endsWith('/login'));
      await signIn(page, 'mallory-target', 'guess number 11');
      const response = await refused;
      assert.equal(response.status(), 429);
      assert.ok(Number(response.headers()['retry-after']) > 0);
      await page.getByRole('alert').getByText('Too many sign-in attempts.').waitFor();
      await shot(page, 'sign-in-throttled');
      await context.close();
    });

    test('a user disabled while signed in is sent to sign in, and cannot', async () => {
      const created = await cli(
        ['users', 'create', '--username', 'dave', '--password-stdin'],
        `${PASSWORD}\n`,
      );
      assert.equal(created.code, 0, created.stderr);
      const { context, page } = await open();
      await page.goto(`${tessera.url}/console/tokens`);
      await signIn(page, 'dave');
      await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
      assert.equal((await cli(['users', 'disable', 'dave'])).code, 0);
      await page.reload();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await signIn(page, 'dave');
      await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
      assert.equal(await sessionCookies(context), 0);
      await context.close();
    });

    test(
      'the console renews its short-lived access token with its refresh token',
      {
        skip:
          profile === 'embedded' && 'shortening the management token lifetime needs SQL beside the server',
      },
      async () => {
        // Under the console's one-minute margin, every page must renew the token first.
        await production?.sql(
          `update api_resources set access_token_ttl = 30 where identifier = 'urn:tessera:management'`,
        );
        // What an operator's change would announce: every instance drops its cached copy.
        await production?.redis.publish(
          `${production.redisPrefix}changes:api-resources`,
          JSON.stringify({ origin: 'test', id: 'urn:tessera:management' }),
        );
        await cli(['users', 'create', '--username', 'frank', '--password-stdin'], `${PASSWORD}\n`);
        const { context, page } = await open();
        await page.goto(`${tessera.url}/console/tokens`);
        const tokenCalls = () =>
          tessera
            .logs()
            .split('\n')
            .filter((line) => line.includes('"path":"/token"')).length;
        await signIn(page, 'frank');
        await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
        const afterSignIn = tokenCalls();
        await page.getByRole('link', { name: 'Resources' }).click();
        await page.getByRole('heading', { name: 'Resources' }).waitFor();
        await page.getByRole('link', { name: 'Access tokens' }).click();
        await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
        assert.ok(tokenCalls() >= afterSignIn + 2, 'each page renewed the token');
        await context.close();
      },
    );

    test(
      'the tokens the console holds are sealed at rest and never logged',
      { skip: profile === 'embedded' && 'reading the token store needs Redis beside the server' },
      async () => {
        const { context, page } = await open({ unwatched: true });
        await page.goto(`${tessera.url}/console/tokens`);
        await signIn(page, 'alice');
        await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
        // Stop after the post: the new token waits in the console session for the next page.
        await page.route(`${tessera.url}/console/tokens`, async (route) => {
          if (route.request().method() !== 'POST') return route.continue();
          const answer = await route.fetch({ maxRedirects: 0 });
          await route.fulfill({
            status: 200,
            contentType: 'text/plain',
            body: `answered ${answer.status()}`,
          });
        });
        await page.getByLabel('Name', { exact: true }).fill('at rest');
        await page.getByRole('checkbox', { name: 'tokens:read' }).check();
        await page.getByRole('button', { name: 'Add token' }).click();
        await page.getByText('answered 303').waitFor();
        const redis = production?.redis;
        assert.ok(redis && production);
        const keys = await redisKeys(redis, production.redisPrefix);
        const values = await Promise.all(
          keys.map(async (key) => {
            const type = await redis.type(key);
            if (type === 'string') return redis.get(key);
            if (type === 'set') return JSON.stringify(await redis.smembers(key));
            if (type === 'hash') return JSON.stringify(await redis.hgetall(key));
            return type;
          }),
        );
        assert.ok(
          keys.some((key) => key.includes('ConsoleSession')),
          'the console session is in Redis',
        );
        const store = [...keys, ...values].join('\n');
        const database = JSON.stringify(await production.sql('select * from oidc_models'));
        const bearer = /tsr_(pat|rat)_[0-9A-Za-z]{20,}|eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;
        for (const [where, dump] of [
          ['Redis', store],
          ['the SQL token store', database],
          ['the logs', tessera.logs()],
        ] as const) {
          assert.doesNotMatch(dump, bearer, `${where} holds a token in clear`);
        }
        await page.unroute(`${tessera.url}/console/tokens`);
        await page.goto(`${tessera.url}/console/tokens`);
        assert.match(await page.getByRole('textbox', { name: 'New token' }).inputValue(), /^tsr_pat_/);
        await context.close();
      },
    );

    test('an authorization error that cannot go back to the client is a page for browsers and JSON for programs', async () => {
      const url = `${tessera.url}/auth?client_id=no-such-client&response_type=code&scope=openid`;
      const page = await fetch(url, { headers: { accept: 'text/html,application/xhtml+xml' } });
      assert.equal(page.status, 400);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.match(await page.text(), /This request cannot go on[\s\S]*invalid_client/);
      // A callback this browser did not start (another tab's, a forged one) signs nobody in.
      const stray = await fetch(`${tessera.url}/console/callback?code=forged&state=forged`, {
        redirect: 'manual',
      });
      assert.equal(stray.status, 400);
      assert.equal(stray.headers.get('set-cookie')?.includes('tessera_console='), false);
      assert.match(
        await stray.text(),
        new RegExp(`Sign-in could not finish[\\s\\S]*href="${tessera.url}/console"`),
      );
      const json = await fetch(url);
      assert.equal(((await json.json()) as { error: string }).error, 'invalid_client');
    });

    test('everything works without JavaScript, down to sign-out', async () => {
      const { context, page } = await open({ javaScript: false });
      await page.goto(`${tessera.url}/console/tokens`);
      await signIn(page, 'alice');
      await page.getByLabel('Name', { exact: true }).fill('no script');
      // Without the script the date field is always there; the chosen option decides.
      await page.getByLabel('Expiration', { exact: true }).selectOption('date');
      await page.getByLabel('Expiration date').fill('2099-12-31');
      await page.getByRole('checkbox', { name: 'tokens:read' }).check();
      await page.getByRole('button', { name: 'Add token' }).click();
      const token = await page.getByRole('textbox', { name: 'New token' }).inputValue();
      assert.equal(await managementStatus(token), 200);
      assert.equal(await page.getByRole('button', { name: 'Copy' }).isVisible(), false);
      const row = page.getByRole('row').filter({ hasText: 'no script' });
      assert.match(await row.innerText(), /31 Dec 2099/);
      await shot(page, 'no-script-new-token');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign out of Tessera?' }).waitFor();
      await shot(page, 'sign-out-confirm');
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
      await page.goto(`${tessera.url}/console/tokens`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await context.close();
    });

    test('the pages fit a phone screen', async () => {
      const { context, page } = await open({ mobile: true });
      await page.goto(`${tessera.url}/console/tokens`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await shot(page, 'mobile-sign-in');
      await signIn(page, 'alice');
      await page.getByLabel('Name', { exact: true }).fill('phone');
      await page.getByRole('checkbox', { name: 'tokens:read' }).check();
      await page.getByRole('button', { name: 'Add token' }).click();
      await page.getByRole('textbox', { name: 'New token' }).waitFor();
      await shot(page, 'mobile-tokens');
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
      await page.goto(`${tessera.url}/console/resources`);
      await page.getByRole('heading', { name: 'Resources' }).waitFor();
      await shot(page, 'mobile-resources');
      await context.close();
    });
  });

const browserSkip = chromiumSkipReason();
consoleSuite('embedded', browserSkip);
consoleSuite('production', browserSkip || (await productionSkipReason()));
