import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { chromiumSkipReason, launchChromium, newWatchedContext } from '../helpers/browser.ts';
import { productionEnv, productionSkipReason } from '../helpers/production-env.ts';
import { runCli, startTessera, suiteScope } from '../helpers/tessera-process.ts';

/**
 * Tessera's own records — the management API resource and the console's client — come back at
 * the next start when someone deletes them in the database (the CLI refuses to: cli.test.ts), and
 * the console signs people in again. Without the management API every console sign-in failed.
 */
const PASSWORD = 'correct horse battery staple';
const MANAGEMENT_API = 'urn:tessera:management';

describe('built-in records', { skip: (await productionSkipReason()) || chromiumSkipReason() }, () => {
  const scope = suiteScope(after);

  test('a start restores both when they were deleted in the database, and a console sign-in works', async () => {
    const production = await productionEnv(scope);
    assert.ok(production, 'PostgreSQL and Redis are needed');
    const first = await startTessera(scope, production.env);
    const created = await runCli(
      first.env,
      ['users', 'create', '--username', 'alice', '--password-stdin'],
      `${PASSWORD}\n`,
    );
    assert.equal(created.code, 0, created.stderr);
    await first.stop();

    await production.sql('delete from api_resources where identifier = $1', [MANAGEMENT_API]);
    await production.sql('delete from clients where client_id = $1', ['tessera-console']);
    const builtIns = async () => ({
      apis: await production.sql('select identifier, scopes, updated_at from api_resources'),
      clients: await production.sql('select client_id from clients'),
    });
    assert.deepEqual(await builtIns(), { apis: [], clients: [] });

    const tessera = await startTessera(scope, production.env);
    const restored = await builtIns();
    assert.deepEqual(
      restored.apis.map((api) => [api.identifier, api.scopes]),
      [[MANAGEMENT_API, ['tokens:read', 'tokens:write', 'resources:write', 'admin', 'ssf']]],
    );
    assert.deepEqual(restored.clients, [{ client_id: 'tessera-console' }]);
    assert.match(tessera.logs(), /the management API resource was missing: restored/);

    const browser = await launchChromium(scope);
    const { context, page, watch } = await newWatchedContext(browser, { origin: tessera.url });
    await page.goto(`${tessera.url}/console`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/console/tokens');
    assert.deepEqual(watch.problems, []);
    await context.close();

    // With everything in place a start writes nothing (N instances do not churn the records).
    await tessera.stop();
    const again = await startTessera(scope, {
      ...production.env,
      TESSERA_ISSUER: tessera.url,
      PORT: new URL(tessera.url).port,
    });
    assert.doesNotMatch(again.logs(), /was missing/);
    assert.deepEqual(await builtIns(), restored);
  });
});
