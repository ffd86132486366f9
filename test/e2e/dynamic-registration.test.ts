import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { createPat, createUser } from '../helpers/platform-setup.ts';
import { type ProductionEnv, productionEnv, redisKeys } from '../helpers/production-env.ts';
import {
  cliJson,
  runCli,
  startTessera,
  suiteScope,
  type TesseraInstance,
} from '../helpers/tessera-process.ts';
import {
  postForm,
  type RegisteredClient,
  createOrdersApi,
  createOrdersResourceServer,
  ORDERS_API,
} from '../helpers/tessera-setup.ts';

/**
 * Dynamic client registration (RFC 7591) and its management (RFC 7592), end to end, as an MCP
 * client does it: openid-client registers (openly, or with an initial access token an operator
 * created), then signs alice in through the real pages in Chromium with the code and PKCE. The
 * client is an application like any other (CLI, /v1, audit log); its registration access token
 * and the initial access token are stored only as hashes; hostile registrations get RFC 7591
 * errors; a flood from one address gets 429.
 */
const API = ORDERS_API;
const CALLBACK = 'https://mcp.example.test/callback';
const PASSWORD = 'correct horse battery staple';
const PER_MINUTE = 25;

type Registered = Record<string, unknown> & {
  client_id: string;
  registration_access_token: string;
  registration_client_uri: string;
};
type OAuthError = { error: string; error_description?: string };

const skip = chromiumSkipReason();

describe('dynamic client registration (RFC 7591/7592)', { skip }, () => {
  const scope = suiteScope(after);
  let production: ProductionEnv;
  let open: TesseraInstance;
  let gated: TesseraInstance;
  let off: TesseraInstance;
  let browser: Browser;
  let admin: string;
  let resourceServer: RegisteredClient;

  const v1 = async (instance: TesseraInstance, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${instance.url}/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${admin}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  /** A raw registration request, for what openid-client would refuse to send. */
  const register = async (
    instance: TesseraInstance,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Registered & OAuthError; headers: Headers }> => {
    const response = await fetch(`${instance.url}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as Registered & OAuthError,
      headers: response.headers,
    };
  };

  const publicClient = {
    client_name: 'MCP inspector',
    redirect_uris: [CALLBACK],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  };

  before(async () => {
    const env = await productionEnv(scope);
    assert.ok(env, 'PostgreSQL and Redis are needed');
    production = env;
    await createOrdersApi(production.env);
    await createUser(production.env, 'alice', ['--admin']);
    admin = (await createPat(production.env, 'alice', 'admin')).token;
    resourceServer = await createOrdersResourceServer(production.env);
    const registration = {
      TESSERA_REGISTRATION_RESOURCES: API,
      TESSERA_REGISTRATIONS_PER_MINUTE: String(PER_MINUTE),
    };
    [gated, off] = await Promise.all([
      startTessera(scope, {
        ...production.env,
        ...registration,
        TESSERA_REGISTRATION: 'initial-access-token',
      }),
      startTessera(scope, production.env),
    ]);
    // Last: every instance writes the console's redirect URIs for its own issuer at start, and the
    // console is visited on this one.
    open = await startTessera(scope, { ...production.env, ...registration, TESSERA_REGISTRATION: 'open' });
    browser = await launchChromium(scope);
  });

  /** Signs alice in and allows the consent in Chromium; answers the URL the browser came back to. */
  const signIn = async (authorizationUrl: URL, appName: string): Promise<{ callback: URL; page: Page }> => {
    const context = await browser.newContext();
    scope.after(() => context.close());
    const page: Page = await context.newPage();
    let callback: URL | undefined;
    await page.route(`${CALLBACK}**`, async (route) => {
      callback = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
    });
    await page.goto(authorizationUrl.href);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    const consent = await page.locator('main').innerText();
    assert.ok(consent.includes(appName), consent);
    assert.match(consent, /Orders API/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${CALLBACK}**`);
    assert.ok(callback, 'the browser came back to the redirect URI');
    return { callback, page };
  };

  test('discovery names the registration endpoint only where registration is on', async () => {
    for (const instance of [open, gated]) {
      const server = (
        await oidc.discovery(new URL(instance.url), 'x', undefined, oidc.None(), {
          execute: [oidc.allowInsecureRequests],
        })
      ).serverMetadata();
      assert.equal(server.registration_endpoint, `${instance.url}/reg`);
    }
    const document = (await (await fetch(`${off.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(document.registration_endpoint, undefined);
    assert.equal(document.client_id_metadata_document_supported, undefined);
    const refused = await fetch(`${off.url}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(publicClient),
    });
    assert.equal(refused.status, 404);
  });

  test('an MCP client registers openly and signs alice in with the code and PKCE', async () => {
    const config = await oidc.dynamicClientRegistration(
      new URL(open.url),
      { ...publicClient, scope: 'openid groups:read-only' },
      oidc.None(),
      { execute: [oidc.allowInsecureRequests] },
    );
    const metadata = config.clientMetadata() as unknown as Registered;
    assert.match(metadata.client_id, /^cl_/);
    assert.equal(metadata.client_secret, undefined, 'a public client gets no secret');
    assert.equal(metadata.scope, 'groups:read-only', 'the API scope it asked for, and no other');
    assert.ok(metadata.registration_access_token);

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid groups:read-only',
      resource: API,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const { callback, page } = await signIn(authorizationUrl, 'MCP inspector');
    const tokens = await oidc.authorizationCodeGrant(
      config,
      callback,
      { pkceCodeVerifier: verifier, expectedState: state },
      { resource: API },
    );
    assert.ok(tokens.refresh_token, 'the refresh_token grant it registered');
    const introspection = (await (
      await postForm(`${open.url}/token/introspection`, resourceServer, { token: tokens.access_token })
    ).json()) as Record<string, unknown>;
    assert.equal(introspection.active, true);
    assert.equal(introspection.aud, API);
    assert.equal(introspection.client_id, metadata.client_id);
    assert.equal(introspection.scope, 'groups:read-only');

    // An application like any other: in alice's console, the CLI, /v1 and the audit log.
    await page.goto(`${open.url}/console/applications`);
    await page.getByRole('heading', { name: 'Applications', level: 1 }).waitFor();
    const card = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'MCP inspector' }) });
    assert.match(await card.innerText(), /groups:read-only/);
    const listed = await cliJson<{ client_id: string; registered_via: string | null; type: string }[]>(
      production.env,
      ['clients', 'list'],
    );
    const row = listed.find((client) => client.client_id === metadata.client_id);
    assert.equal(row?.registered_via, 'open');
    assert.equal(row?.type, 'spa');
    const shown = await v1(open, 'GET', `/clients/${metadata.client_id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.registered_via, 'open');
    assert.equal(shown.body.token_endpoint_auth_method, 'none');
    const audit = await v1(open, 'GET', '/audit-events?action=client.register&limit=50');
    assert.ok(
      (audit.body.data as { target: { id: string } }[]).some(
        (event) => event.target.id === metadata.client_id,
      ),
      JSON.stringify(audit.body),
    );
  });

  test('RFC 7592: the client reads, updates and deletes its registration; the token is kept hashed', async () => {
    const created = await register(open, publicClient);
    assert.equal(created.status, 201);
    const {
      registration_client_uri: uri,
      registration_access_token: rat,
      client_id: clientId,
    } = created.body;
    assert.equal(uri, `${open.url}/reg/${clientId}`);
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    const read = await fetch(uri, { headers: bearer(rat) });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as Record<string, unknown>).client_name, 'MCP inspector');

    // At rest: neither the registration access token nor anything of it, in Postgres or Redis.
    const rows = await production.sql(
      "select id, payload::text as payload from oidc_models where model = 'RegistrationAccessToken'",
    );
    assert.ok(rows.length >= 1);
    assert.ok(!JSON.stringify(rows).includes(rat), 'no registration access token in clear in Postgres');
    for (const key of await redisKeys(production.redis, production.redisPrefix))
      assert.ok(!key.includes(rat), key);

    const updated = await fetch(uri, {
      method: 'PUT',
      headers: { ...bearer(rat), 'content-type': 'application/json' },
      body: JSON.stringify({
        ...publicClient,
        client_id: clientId,
        client_name: 'MCP inspector (renamed)',
        redirect_uris: [`${CALLBACK}/v2`],
      }),
    });
    assert.equal(updated.status, 200);
    const changed = (await updated.json()) as Registered;
    assert.deepEqual(changed.redirect_uris, [`${CALLBACK}/v2`]);
    assert.notEqual(changed.registration_access_token, rat, 'rotated at every update');
    assert.equal((await fetch(uri, { headers: bearer(rat) })).status, 401, 'the old token stops working');
    const view = await v1(open, 'GET', `/clients/${clientId}`);
    assert.equal(view.body.name, 'MCP inspector (renamed)');
    assert.deepEqual(view.body.redirect_uris, [`${CALLBACK}/v2`]);

    const hostileUpdate = await fetch(uri, {
      method: 'PUT',
      headers: { ...bearer(changed.registration_access_token), 'content-type': 'application/json' },
      body: JSON.stringify({ ...publicClient, client_id: clientId, redirect_uris: ['javascript:alert(1)'] }),
    });
    assert.equal(hostileUpdate.status, 400);
    assert.equal(((await hostileUpdate.json()) as OAuthError).error, 'invalid_redirect_uri');

    const deleted = await fetch(uri, {
      method: 'DELETE',
      headers: bearer(changed.registration_access_token),
    });
    assert.equal(deleted.status, 204);
    assert.equal((await fetch(uri, { headers: bearer(changed.registration_access_token) })).status, 401);
    assert.equal((await v1(open, 'GET', `/clients/${clientId}`)).status, 404);
    const audit = await v1(open, 'GET', '/audit-events?action=client.delete&limit=50');
    assert.ok(
      (audit.body.data as { target: { id: string } }[]).some((event) => event.target.id === clientId),
    );
  });

  test('hostile registrations get RFC 7591 errors and leave no client behind', async () => {
    const before = (await v1(open, 'GET', '/clients')).body.data.length as number;
    const cases: [unknown, number, string][] = [
      [{ ...publicClient, redirect_uris: ['javascript:alert(1)'] }, 400, 'invalid_redirect_uri'],
      [
        { ...publicClient, redirect_uris: ['data:text/html,<script>alert(1)</script>'] },
        400,
        'invalid_redirect_uri',
      ],
      [{ ...publicClient, redirect_uris: ['http://mcp.example.test/callback'] }, 400, 'invalid_redirect_uri'],
      [
        { ...publicClient, redirect_uris: ['https://mcp.example.test/callback#x'] },
        400,
        'invalid_redirect_uri',
      ],
      [{ ...publicClient, grant_types: ['client_credentials'] }, 400, 'invalid_client_metadata'],
      [
        { ...publicClient, token_endpoint_auth_method: 'client_secret_basic' },
        400,
        'invalid_client_metadata',
      ],
      [{ ...publicClient, scope: 'admin' }, 400, 'invalid_client_metadata'],
      [{ ...publicClient, scope: 42 }, 400, 'invalid_client_metadata'],
      [{ ...publicClient, client_name: 'x'.repeat(20_000) }, 413, 'invalid_request'],
      ['{"redirect_uris": [', 400, 'invalid_request'],
      [[publicClient], 400, 'invalid_request'],
    ];
    for (const [body, status, error] of cases) {
      const answer = await register(open, body);
      assert.equal(answer.status, status, JSON.stringify(body).slice(0, 100));
      assert.equal(answer.body.error, error, JSON.stringify(answer.body));
      assert.equal(typeof answer.body.error_description, 'string');
    }
    // A native app may use an http loopback redirect (RFC 8252), a web one may not.
    const native = await register(open, {
      ...publicClient,
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
    });
    assert.equal(native.status, 201, JSON.stringify(native.body));
    const loopbackWeb = await register(open, {
      ...publicClient,
      redirect_uris: ['http://127.0.0.1/callback'],
    });
    assert.equal(loopbackWeb.body.error, 'invalid_redirect_uri');
    assert.equal((await v1(open, 'GET', '/clients')).body.data.length, before + 1, 'only the native app');
  });

  test('with initial access tokens: none or a bad one is refused; an operator’s token registers', async () => {
    const none = await register(gated, publicClient);
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'invalid_token');
    const bad = await register(gated, publicClient, { authorization: 'Bearer tsr_rit_not-a-real-token' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'invalid_token');

    const issued = await cliJson<{ id: string; token: string }>(production.env, [
      'registration-tokens',
      'create',
      '--name',
      'partner onboarding',
      '--expires-in-days',
      '7',
    ]);
    assert.match(issued.token, /^tsr_rit_/);
    const config = await oidc.dynamicClientRegistration(
      new URL(gated.url),
      {
        client_name: 'Partner backend',
        grant_types: ['client_credentials'],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'groups:read-only',
      },
      undefined,
      { execute: [oidc.allowInsecureRequests], initialAccessToken: issued.token },
    );
    const metadata = config.clientMetadata();
    assert.match(String(metadata.client_secret), /^tsr_cs_/, 'a confidential client gets its secret once');
    // The secret works at the token endpoint: the client authenticates with it.
    const tokens = await oidc.clientCredentialsGrant(config, { resource: API, scope: 'groups:read-only' });
    assert.ok(tokens.access_token);

    const view = await v1(gated, 'GET', `/clients/${metadata.client_id}`);
    assert.equal(view.body.registered_via, `initial_access_token:${issued.id}`);
    assert.equal(view.body.type, 'service');
    // RFC 7592 reads never show the secret's hash.
    const read = await fetch(String(metadata.registration_client_uri), {
      headers: { authorization: `Bearer ${String(metadata.registration_access_token)}` },
    });
    const readBody = (await read.json()) as Record<string, unknown>;
    assert.equal(read.status, 200);
    assert.equal(readBody.client_secret, undefined);

    // At rest: the initial access token and the client secret only as hashes.
    const rows = await production.sql('select * from registration_tokens where id = $1', [issued.id]);
    assert.equal(rows[0]?.uses, 1);
    const dump = JSON.stringify(await production.sql('select * from registration_tokens, clients'));
    assert.ok(!dump.includes(issued.token), 'no initial access token in clear');
    assert.ok(!dump.includes(String(metadata.client_secret)), 'no client secret in clear');

    // /v1 creates and revokes them too; a revoked token registers nothing.
    const created = await v1(gated, 'POST', '/registration-tokens', { name: 'ci', expires_in_days: 1 });
    assert.equal(created.status, 201);
    const listed = await v1(gated, 'GET', '/registration-tokens');
    assert.ok(!JSON.stringify(listed.body).includes('tsr_rit_'), 'a list never shows a token');
    assert.equal((await v1(gated, 'DELETE', `/registration-tokens/${created.body.id}`)).status, 204);
    const revoked = await register(gated, publicClient, { authorization: `Bearer ${created.body.token}` });
    assert.equal(revoked.status, 401);
    const invalid = await v1(gated, 'POST', '/registration-tokens', { name: 'x', expires_in_days: 0 });
    assert.equal(invalid.status, 400);
    const cli = await runCli(production.env, [
      'registration-tokens',
      'create',
      '--name',
      'x',
      '--expires-in-days',
      'soon',
    ]);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /--expires-in-days/);
  });

  test('a flood of registrations from one address gets 429 with Retry-After', async () => {
    let answer: Awaited<ReturnType<typeof register>> | undefined;
    for (let attempt = 0; attempt <= PER_MINUTE; attempt++) {
      answer = await register(open, { ...publicClient, redirect_uris: ['javascript:flood()'] });
      if (answer.status === 429) break;
    }
    assert.equal(answer?.status, 429);
    assert.equal(answer?.body.error, 'temporarily_unavailable');
    assert.match(String(answer?.body.error_description), /too many registrations/);
    assert.ok(Number(answer?.headers.get('retry-after')) >= 1);
  });
});
