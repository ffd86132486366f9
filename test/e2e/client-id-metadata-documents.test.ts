import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { type HttpsDocuments, serveHttpsDocuments } from '../helpers/https-documents.ts';
import { createUser } from '../helpers/platform-setup.ts';
import { startTessera, suiteScope, testEnv, type TesseraInstance } from '../helpers/tessera-process.ts';
import {
  postForm,
  type RegisteredClient,
  createOrdersApi,
  createOrdersResourceServer,
  ORDERS_API,
} from '../helpers/tessera-setup.ts';

/**
 * Client ID Metadata Documents, end to end: an MCP client whose client_id is the https URL of its
 * metadata, served by a local https server (a self-signed certificate made with openssl, trusted
 * by Tessera through NODE_EXTRA_CA_CERTS; its loopback host allowed by
 * TESSERA_OUTBOUND_ALLOW_HOSTS). openid-client signs alice in with it through the real pages. The
 * server's fetch refuses what an attacker would point it at: a name resolving to the loopback, the
 * cloud metadata address, an oversize document.
 */
const API = ORDERS_API;
const CALLBACK = 'https://mcp.example.test/callback';
const PASSWORD = 'correct horse battery staple';

describe('client ID metadata documents', { skip: chromiumSkipReason() }, () => {
  const scope = suiteScope(after);
  let tessera: TesseraInstance;
  let browser: Browser;
  let served: HttpsDocuments;
  let resourceServer: RegisteredClient;

  const document = (path: string, overrides: Record<string, unknown> = {}) => ({
    client_id: `${served.origin}${path}`,
    client_name: 'Metadata MCP client',
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'groups:read-only',
    ...overrides,
  });

  before(async () => {
    served = await serveHttpsDocuments(scope);
    served.put('/mcp-client.json', document('/mcp-client.json'));
    served.put('/oversize.json', document('/oversize.json', { client_name: 'x'.repeat(6 * 1024) }));
    served.put(
      '/machine.json',
      document('/machine.json', { grant_types: ['client_credentials'], response_types: [] }),
    );
    served.put(
      '/plain-http.json',
      document('/plain-http.json', {
        redirect_uris: ['https://mcp.example.test/cb', 'http://mcp.example.test/cb'],
      }),
    );
    served.answer('/redirect.json', 302);

    const env = testEnv(scope, {
      TESSERA_CLIENT_ID_METADATA_DOCUMENTS: 'on',
      TESSERA_REGISTRATION_RESOURCES: API,
      TESSERA_OUTBOUND_ALLOW_HOSTS: served.host,
      NODE_EXTRA_CA_CERTS: served.certFile,
    });
    await createOrdersApi(env);
    await createUser(env, 'alice');
    resourceServer = await createOrdersResourceServer(env);
    tessera = await startTessera(scope, env);
    browser = await launchChromium(scope);
  });

  /** What /auth answers a program for this client_id (the library's JSON error, when refused). */
  const authorize = async (clientId: string) => {
    const url = new URL(`${tessera.url}/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual' });
    const text = await response.text();
    return {
      status: response.status,
      body: text.startsWith('{') ? (JSON.parse(text) as Record<string, string>) : {},
    };
  };

  test('discovery says client ID metadata documents are supported', async () => {
    const metadata = (await (
      await fetch(`${tessera.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    assert.equal(metadata.client_id_metadata_document_supported, true);
    assert.equal(metadata.registration_endpoint, undefined, 'registration stays off');
  });

  test('an https URL is the client_id: alice signs in with the code and PKCE', async () => {
    const clientId = `${served.origin}/mcp-client.json`;
    const config = await oidc.discovery(
      new URL(tessera.url),
      clientId,
      { redirect_uris: [CALLBACK] },
      oidc.None(),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
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
    const context = await browser.newContext();
    scope.after(() => context.close());
    const page = await context.newPage();
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
    assert.match(consent, /Metadata MCP client/, 'the consent page names the client as its document does');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${CALLBACK}**`);
    assert.ok(callback);

    const tokens = await oidc.authorizationCodeGrant(
      config,
      callback,
      { pkceCodeVerifier: verifier, expectedState: state },
      { resource: API },
    );
    const introspection = (await (
      await postForm(`${tessera.url}/token/introspection`, resourceServer, { token: tokens.access_token })
    ).json()) as Record<string, unknown>;
    assert.equal(introspection.active, true);
    assert.equal(introspection.client_id, clientId);
    assert.equal(introspection.aud, API);
    assert.equal(introspection.scope, 'groups:read-only');
    assert.ok(served.fetched.includes('/mcp-client.json'));

    // alice sees it among her applications, named by its URL, and can revoke it there.
    await page.goto(`${tessera.url}/console/applications`);
    await page.getByRole('heading', { name: 'Applications', level: 1 }).waitFor();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: clientId }) });
    assert.match(await card.innerText(), /groups:read-only/);
  });

  test('a metadata URL on a loopback or link-local address is refused without an allowlist entry', async () => {
    // localhost is the same server, but only 127.0.0.1:<port> is allowed: the name resolves to the loopback.
    for (const clientId of [
      `https://localhost:${new URL(served.origin).port}/mcp-client.json`,
      'https://169.254.169.254/latest/meta-data.json',
      'https://10.0.0.1/client.json',
      'https://[::1]/client.json',
    ]) {
      const before = served.fetched.length;
      const answer = await authorize(clientId);
      assert.equal(answer.status, 400, clientId);
      assert.equal(answer.body.error, 'invalid_client', `${clientId}: ${JSON.stringify(answer.body)}`);
      assert.equal(served.fetched.length, before, `${clientId} was never fetched`);
    }
  });

  test('oversize, redirected and non-public documents are refused', async () => {
    for (const path of [
      '/oversize.json',
      '/redirect.json',
      '/machine.json',
      '/plain-http.json',
      '/missing.json',
    ]) {
      const answer = await authorize(`${served.origin}${path}`);
      assert.equal(answer.status, 400, path);
      assert.equal(answer.body.error, 'invalid_client', `${path}: ${JSON.stringify(answer.body)}`);
      assert.ok(served.fetched.includes(path), `${path} was fetched, then refused`);
    }
    // Tessera's own rules say why; the library's fetch failures do not (size, status, redirect).
    assert.match(
      (await authorize(`${served.origin}/machine.json`)).body.error_description ?? '',
      /client_credentials/,
    );
    assert.match(
      (await authorize(`${served.origin}/plain-http.json`)).body.error_description ?? '',
      /must use https/,
    );
  });
});
