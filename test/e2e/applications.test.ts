import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { type ProductionEnv, productionEnv, productionSkipReason } from '../helpers/production-env.ts';
import { createPat, createUser, exchanged, TOKEN_EXCHANGE } from '../helpers/platform-setup.ts';
import {
  cliJson,
  startTessera,
  suiteScope,
  testEnv,
  type TesseraInstance,
} from '../helpers/tessera-process.ts';
import {
  basicAuth,
  postForm,
  type RegisteredClient,
  createOrdersApi,
  ORDERS_API,
} from '../helpers/tessera-setup.ts';
import { signInAndAllow } from '../helpers/sign-in-flow.ts';

/**
 * Applications people sign in to, end to end: registered through /v1/clients as an administrator
 * would, then driven by openid-client (authorization code + PKCE, pushed authorization request,
 * RFC 8707 resource, RFC 9207 iss) through the real sign-in and consent pages in Chromium; refresh
 * tokens rotate on every use and a replayed one revokes its whole family, as introspection shows.
 */
const API = ORDERS_API;
const CALLBACK = 'https://app.example.test/callback';
const PASSWORD = 'correct horse battery staple';

type ClientJson = {
  client_id: string;
  client_secret: string | null;
  type: string;
  token_endpoint_auth_method: string;
  redirect_uris: string[];
  previous_secret_expires_at: string | null;
};
type Problem = { status: number; errors?: { pointer?: string; detail: string }[] };

type Profile = 'embedded' | 'production';

const applicationsSuite = (profile: Profile, skip: string | false) =>
  describe(`applications: registration and sign-in (${profile} profile)`, { skip }, () => {
    const scope = suiteScope(after);
    let tessera: TesseraInstance;
    let browser: Browser;
    let admin: string;
    let reader: string;
    let aliceId: string;
    let resourceServer: RegisteredClient;
    let env: Record<string, string>;
    let production: ProductionEnv | undefined;
    /** Grant revocations recorded in Postgres (production profile; the embedded store deletes grants in the database itself). */
    const grantRevocations = async () =>
      production
        ? Number(
            (await production.sql("select count(*)::int as n from revocations where kind = 'grant'"))[0]?.n,
          )
        : 0;
    /** What each test showed working, by discovery member: the last test compares it with discovery. */
    const exercised = new Map<string, Set<string>>();
    const works = (member: string, value: string) => {
      if (!exercised.has(member)) exercised.set(member, new Set());
      exercised.get(member)?.add(value);
    };

    const v1 = async (method: string, path: string, body?: unknown, token = admin) => {
      const response = await fetch(`${tessera.url}/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: text ? JSON.parse(text) : undefined,
      };
    };

    const introspect = async (token: string) =>
      (await (await postForm(`${tessera.url}/token/introspection`, resourceServer, { token })).json()) as {
        active: boolean;
        aud?: string;
        client_id?: string;
        sub?: string;
        scope?: string;
      };

    before(async () => {
      if (profile === 'production') {
        production = await productionEnv(scope);
        assert.ok(production, 'PostgreSQL and Redis are needed');
        env = production.env;
      } else {
        env = testEnv(scope);
      }
      await createOrdersApi(env);
      aliceId = await createUser(env, 'alice', ['--admin']);
      admin = (await createPat(env, 'alice', 'admin groups:read-only')).token;
      reader = (await createPat(env, 'alice', 'tokens:read')).token;
      tessera = await startTessera(scope, env);
      browser = await launchChromium(scope);
      const created = await v1('POST', '/clients', {
        name: 'orders-api',
        grant_types: ['client_credentials'],
        resources: [API],
        introspects: [API],
      });
      assert.equal(created.status, 201);
      resourceServer = { client_id: created.body.client_id, client_secret: created.body.client_secret };
    });

    /** Signs alice in and allows the consent in Chromium; answers the URL the browser was sent back to. */
    const signInAndConsent = async (
      authorizationUrl: URL,
      redirectPrefix: string,
      appName = 'Shop web app',
    ): Promise<{ callback: URL; page: Page }> => {
      const { callback, page, consent } = await signInAndAllow(
        browser,
        scope,
        authorizationUrl,
        redirectPrefix,
      );
      // The consent page names the application, the API and what each scope allows, in words.
      assert.ok(consent.includes(appName), consent);
      assert.match(consent, /Orders API/);
      assert.match(consent, /groups:read-only/);
      return { callback, page };
    };

    test('refuses hostile redirect URIs with a problem naming each one', async () => {
      const hostile: [string, string][] = [
        ['web', 'javascript:alert(1)'],
        ['web', 'data:text/html,<script>alert(1)</script>'],
        ['web', 'https://app.example.test/callback#fragment'],
        ['web', 'http://app.example.test/callback'],
        ['spa', 'http://127.0.0.1/callback'],
        ['web', 'https://user:password@app.example.test/callback'],
        ['web', 'https://app.example.test/call back'],
        ['native', 'http://localhost:8080/callback'],
        ['native', 'https://127.0.0.1/callback'],
        ['native', 'myapp:/callback'],
        ['web', 'vbscript:msgbox(1)'],
        ['web', '/relative/callback'],
      ];
      for (const [type, uri] of hostile) {
        const answer = await v1('POST', '/clients', {
          name: 'hostile',
          type,
          grant_types: ['authorization_code'],
          redirect_uris: [uri],
        });
        assert.equal(answer.status, 400, `${type} ${uri}`);
        assert.match(String(answer.type), /application\/problem\+json/);
        assert.equal((answer.body as Problem).errors?.[0]?.pointer, '/redirect_uris/0', `${type} ${uri}`);
      }
      const clients = await v1('GET', '/clients');
      assert.ok(
        !(clients.body.data as { name: string }[]).some((client) => client.name === 'hostile'),
        'no refused client was half-registered',
      );
    });

    test('administrators manage APIs through /v1/api-resources too', async () => {
      const identifier = 'https://billing.example.test/v2';
      const created = await v1('POST', '/api-resources', {
        identifier,
        name: 'Billing API',
        format: 'jwt',
        scopes: ['invoices:read'],
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.identifier, identifier);
      const path = `/api-resources/${encodeURIComponent(identifier)}`;
      assert.equal((await v1('GET', path)).body.name, 'Billing API');
      assert.equal((await v1('POST', '/api-resources', { identifier, name: 'Again' })).status, 409);
      const bad = await v1('POST', '/api-resources', { identifier: 'https://x.test/#frag', name: 'Bad' });
      assert.equal(bad.status, 400);
      assert.equal((bad.body as Problem).errors?.[0]?.pointer, '/identifier');
      assert.equal((await v1('GET', '/api-resources', undefined, reader)).status, 403, 'admin only');
      assert.equal((await v1('GET', '/clients', undefined, reader)).status, 403, 'admin only');

      const user = await v1('POST', '/clients', {
        name: 'billing user',
        grant_types: ['client_credentials'],
        resources: [identifier],
      });
      assert.equal((await v1('DELETE', path)).status, 409, 'in use by a client');
      assert.equal((await v1('DELETE', `/clients/${user.body.client_id}`)).status, 204);
      assert.equal((await v1('DELETE', path)).status, 204);
      assert.equal((await v1('GET', path)).status, 404);
    });

    test('administrators manage users through /v1/users', async () => {
      const created = await v1('POST', '/users', { username: 'bob', password: PASSWORD });
      assert.equal(created.status, 201);
      assert.match(created.body.id, /^usr_/);
      assert.equal(created.body.admin, false);
      assert.equal((await v1('POST', '/users', { username: 'bob', password: PASSWORD })).status, 409);
      const short = await v1('POST', '/users', { username: 'carol', password: 'short' });
      assert.equal(short.status, 400);
      assert.equal((short.body as Problem).errors?.[0]?.pointer, '/password');
      const listed = await v1('GET', '/users');
      assert.ok(!JSON.stringify(listed.body).includes(PASSWORD), 'no password, nor anything of it');
      assert.ok(!JSON.stringify(listed.body).includes('argon2'));
      assert.deepEqual((listed.body.data as { username: string }[]).map((user) => user.username).sort(), [
        'alice',
        'bob',
      ]);
      const disabled = await v1('PATCH', '/users/bob', { disabled: true });
      assert.equal(disabled.status, 200);
      assert.ok(disabled.body.disabled_at);
      assert.equal((await v1('PATCH', '/users/nobody', { disabled: true })).status, 404);
      assert.equal((await v1('POST', '/users', { username: 'eve', password: PASSWORD }, reader)).status, 403);
    });

    test('registers native apps with loopback and private-use scheme redirect URIs, as public clients', async () => {
      const native = await v1('POST', '/clients', {
        name: 'Desktop app',
        type: 'native',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [
          'http://127.0.0.1/callback',
          'http://[::1]/callback',
          'com.example.desktop:/callback',
        ],
        resources: [API],
        scopes: ['groups:read-only'],
      });
      assert.equal(native.status, 201);
      assert.equal(native.body.client_secret, null);
      assert.equal(native.body.token_endpoint_auth_method, 'none');
      // A public client cannot use a grant that needs a secret.
      const confidentialGrant = await v1('POST', '/clients', {
        name: 'SPA',
        type: 'spa',
        grant_types: ['authorization_code', 'client_credentials'],
        redirect_uris: [CALLBACK],
        resources: [API],
      });
      assert.equal(confidentialGrant.status, 400);
      assert.equal((confidentialGrant.body as Problem).errors?.[0]?.pointer, '/grant_types');
    });

    test('refuses to change or delete the console, the built-in client', async () => {
      assert.equal((await v1('PATCH', '/clients/tessera-console', { name: 'mine' })).status, 403);
      assert.equal((await v1('DELETE', '/clients/tessera-console')).status, 403);
    });

    test('a client secret rotated with an overlap: old and new both work until the old one is retired', async () => {
      const service = await v1('POST', '/clients', {
        name: 'billing',
        grant_types: ['client_credentials'],
        resources: [API],
        scopes: ['groups:read-only'],
      });
      const original = { client_id: service.body.client_id, client_secret: service.body.client_secret };
      const tokenStatus = async (client: RegisteredClient) =>
        (await postForm(`${tessera.url}/token`, client, { grant_type: 'client_credentials', resource: API }))
          .status;
      assert.equal(await tokenStatus(original), 200);
      works('grant_types_supported', 'client_credentials');
      works('token_endpoint_auth_methods_supported', 'client_secret_basic');

      const rotated = await v1('POST', `/clients/${original.client_id}/secret`, {
        keep_old_for_seconds: 3600,
      });
      assert.equal(rotated.status, 200);
      const second = { client_id: original.client_id, client_secret: rotated.body.client_secret as string };
      assert.notEqual(second.client_secret, original.client_secret);
      const until = Date.parse(rotated.body.previous_secret_expires_at);
      assert.ok(until > Date.now() + 3500_000 && until <= Date.now() + 3600_000);
      // Both secrets work, on the fast lane and on the library's path (introspection).
      assert.equal(await tokenStatus(original), 200, 'the old secret still works during the overlap');
      assert.equal(await tokenStatus(second), 200, 'the new secret works at once');
      const issued = (await (
        await postForm(`${tessera.url}/token`, second, { grant_type: 'client_credentials', resource: API })
      ).json()) as { access_token: string };
      const byOld = await postForm(`${tessera.url}/token/introspection`, original, {
        token: issued.access_token,
      });
      assert.equal(byOld.status, 200);
      assert.equal(((await byOld.json()) as { active: boolean }).active, true);

      // Rotating again without an overlap retires every earlier secret at once.
      const third = await v1('POST', `/clients/${original.client_id}/secret`, {});
      const newest = { client_id: original.client_id, client_secret: third.body.client_secret as string };
      assert.equal(third.body.previous_secret_expires_at, null);
      assert.equal(await tokenStatus(original), 401);
      assert.equal(await tokenStatus(second), 401);
      assert.equal(await tokenStatus(newest), 200);

      const basic = await fetch(`${tessera.url}/token`, {
        method: 'POST',
        headers: { authorization: basicAuth(second), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: API }),
      });
      assert.equal(basic.status, 401);
    });

    test('a web app signs alice in: PAR + PKCE + resource + iss, then refresh rotation and replay detection', async () => {
      const registered = await v1('POST', '/clients', {
        name: 'Shop web app',
        type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [CALLBACK],
        resources: [API],
        scopes: ['groups:read-only', 'groups:read-write'],
        refresh_token_absolute_ttl: 86_400,
        refresh_token_idle_ttl: 3_600,
      });
      assert.equal(registered.status, 201);
      const app = registered.body as ClientJson;
      assert.equal(app.token_endpoint_auth_method, 'client_secret_basic');
      assert.match(String(app.client_secret), /^tsr_cs_/);

      const config = await oidc.discovery(
        new URL(tessera.url),
        app.client_id,
        { redirect_uris: [CALLBACK] },
        oidc.ClientSecretBasic(String(app.client_secret)),
        { execute: [oidc.allowInsecureRequests] },
      );
      assert.equal(config.serverMetadata().authorization_response_iss_parameter_supported, true);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: CALLBACK,
        scope: 'openid groups:read-only',
        resource: API,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      assert.ok(
        authorizationUrl.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'),
      );

      const { callback } = await signInAndConsent(authorizationUrl, CALLBACK);
      assert.equal(callback.searchParams.get('iss'), tessera.url, 'RFC 9207: the response names its issuer');

      const tokens = await oidc.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: verifier, expectedState: state },
        { resource: API },
      );
      assert.ok(tokens.refresh_token);
      assert.equal(tokens.claims()?.sub, aliceId, 'openid: the ID token names alice');
      works('scopes_supported', 'openid');
      works('grant_types_supported', 'authorization_code');
      works('introspection_endpoint_auth_methods_supported', 'client_secret_basic');
      const first = await introspect(tokens.access_token);
      assert.equal(first.active, true);
      assert.equal(first.aud, API);
      assert.equal(first.client_id, app.client_id);
      assert.equal(first.scope, 'groups:read-only');

      // Every refresh answers with a new refresh token; the old one is spent.
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token, { resource: API });
      assert.ok(refreshed.refresh_token);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
      assert.equal((await introspect(refreshed.access_token)).active, true);
      works('grant_types_supported', 'refresh_token');

      // Someone replays the spent refresh token: refused, and the whole family is revoked.
      const revokedBefore = await grantRevocations();
      await assert.rejects(
        oidc.refreshTokenGrant(config, tokens.refresh_token, { resource: API }),
        (error) => {
          assert.equal((error as { error?: string }).error, 'invalid_grant');
          return true;
        },
      );
      await assert.rejects(
        oidc.refreshTokenGrant(config, String(refreshed.refresh_token), { resource: API }),
        (error) => {
          assert.equal((error as { error?: string }).error, 'invalid_grant');
          return true;
        },
      );
      assert.equal(
        (await introspect(refreshed.access_token)).active,
        false,
        'tokens of the family stop working',
      );
      assert.equal((await introspect(tokens.access_token)).active, false);
      if (production)
        assert.equal(
          await grantRevocations(),
          revokedBefore + 1,
          'the family revocation is recorded in Postgres',
        );
    });

    test('alice sees the applications she authorized in the console, and revoking one ends its tokens', async () => {
      const registered = await v1('POST', '/clients', {
        name: 'Calendar app',
        type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [CALLBACK],
        resources: [API],
        scopes: ['groups:read-only'],
      });
      const app = registered.body as ClientJson;
      const config = await oidc.discovery(
        new URL(tessera.url),
        app.client_id,
        { redirect_uris: [CALLBACK] },
        oidc.ClientSecretBasic(String(app.client_secret)),
        { execute: [oidc.allowInsecureRequests] },
      );
      const verifier = oidc.randomPKCECodeVerifier();
      const authorizationUrl = oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'groups:read-only',
        resource: API,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const { callback, page } = await signInAndConsent(authorizationUrl, CALLBACK, 'Calendar app');
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: verifier },
        { resource: API },
      );
      assert.equal((await introspect(tokens.access_token)).active, true);

      // The same browser, already signed in to Tessera, opens the console.
      await page.goto(`${tessera.url}/console/applications`);
      await page.getByRole('heading', { name: 'Applications', level: 1 }).waitFor();
      const card = page
        .getByRole('listitem')
        .filter({ has: page.getByRole('heading', { name: 'Calendar app' }) });
      assert.match(await card.innerText(), /groups:read-only/);
      const revokedBefore = await grantRevocations();
      await card.getByRole('button', { name: 'Revoke Calendar app' }).click();
      await page.getByRole('status').getByText('Revoked Calendar app.').waitFor();
      assert.equal(await page.getByRole('heading', { name: 'Calendar app' }).count(), 0);

      assert.equal((await introspect(tokens.access_token)).active, false, 'its access token stops at once');
      if (production) assert.equal(await grantRevocations(), revokedBefore + 1, 'recorded in Postgres');
      await assert.rejects(
        oidc.refreshTokenGrant(config, String(tokens.refresh_token), { resource: API }),
        (error) => {
          assert.equal((error as { error?: string }).error, 'invalid_grant');
          return true;
        },
      );
    });

    test('refuses PKCE plain and an authorization request without PKCE', async () => {
      const spa = await v1('POST', '/clients', {
        name: 'Shop SPA',
        type: 'spa',
        grant_types: ['authorization_code'],
        redirect_uris: [CALLBACK],
        resources: [API],
        scopes: ['groups:read-only'],
      });
      assert.equal(spa.status, 201);
      assert.equal(spa.body.client_secret, null);
      const authorize = async (extra: Record<string, string>) => {
        const url = new URL(`${tessera.url}/auth`);
        for (const [name, value] of Object.entries({
          client_id: spa.body.client_id,
          response_type: 'code',
          redirect_uri: CALLBACK,
          scope: 'groups:read-only',
          state: 'xyz',
          ...extra,
        }))
          url.searchParams.set(name, value);
        const response = await fetch(url, { redirect: 'manual' });
        return new URL(String(response.headers.get('location')), tessera.url);
      };
      const plain = await authorize({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
      assert.equal(plain.origin + plain.pathname, CALLBACK);
      assert.equal(plain.searchParams.get('error'), 'invalid_request');
      const none = await authorize({});
      assert.equal(none.searchParams.get('error'), 'invalid_request');
      assert.match(String(none.searchParams.get('error_description')), /PKCE/);
    });

    test('a public client pushes its authorization request without a secret', async () => {
      const spa = await v1('POST', '/clients', {
        name: 'Pushing SPA',
        type: 'spa',
        grant_types: ['authorization_code'],
        redirect_uris: [CALLBACK],
        resources: [API],
        scopes: ['groups:read-only'],
      });
      const pushed = await postForm(`${tessera.url}/request`, undefined, {
        client_id: spa.body.client_id,
        response_type: 'code',
        redirect_uri: CALLBACK,
        scope: 'groups:read-only',
        resource: API,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      assert.equal(pushed.status, 201);
      assert.match(
        ((await pushed.json()) as { request_uri: string }).request_uri,
        /^urn:ietf:params:oauth:request_uri:/,
      );
      works('token_endpoint_auth_methods_supported', 'none');
    });

    test('every scope discovery lists is one a client can get a token with', async () => {
      const apis = await cliJson<{ identifier: string; scopes: string[] }[]>(tessera.env, [
        'api-resources',
        'list',
      ]);
      for (const api of apis) {
        const registered = await v1('POST', '/clients', {
          name: `all of ${api.identifier}`,
          grant_types: ['client_credentials'],
          resources: [api.identifier],
          scopes: api.scopes,
        });
        assert.equal(registered.status, 201);
        for (const scope of api.scopes) {
          // client_secret_post, for a change.
          const answer = await fetch(`${tessera.url}/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              client_id: registered.body.client_id,
              client_secret: registered.body.client_secret,
              resource: api.identifier,
              scope,
            }),
          });
          assert.equal(answer.status, 200, `${api.identifier} ${scope}`);
          assert.equal(((await answer.json()) as { scope: string }).scope, scope);
          works('scopes_supported', scope);
        }
      }
      works('token_endpoint_auth_methods_supported', 'client_secret_post');
    });

    test('token exchange, and introspection and revocation with either secret method', async () => {
      const exchanger = await v1('POST', '/clients', {
        name: 'exchanger',
        grant_types: [TOKEN_EXCHANGE],
        resources: [API],
        scopes: ['groups:read-only'],
      });
      const client = { client_id: exchanger.body.client_id, client_secret: exchanger.body.client_secret };
      const answer = await exchanged(tessera.url, client, admin, { resource: API });
      assert.equal(answer.scope, 'groups:read-only');
      works('grant_types_supported', TOKEN_EXCHANGE);

      const inBody = (values: Record<string, string>) =>
        new URLSearchParams({ client_id: client.client_id, client_secret: client.client_secret, ...values });
      const introspected = await fetch(`${tessera.url}/token/introspection`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: inBody({ token: answer.access_token }),
      });
      assert.equal(((await introspected.json()) as { active: boolean }).active, true);
      works('introspection_endpoint_auth_methods_supported', 'client_secret_post');

      const revokedByPost = await fetch(`${tessera.url}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: inBody({ token: answer.access_token }),
      });
      assert.equal(revokedByPost.status, 200);
      assert.equal((await introspect(answer.access_token)).active, false);
      works('revocation_endpoint_auth_methods_supported', 'client_secret_post');

      const another = await exchanged(tessera.url, client, admin, { resource: API });
      assert.equal(
        (await postForm(`${tessera.url}/token/revocation`, client, { token: another.access_token })).status,
        200,
      );
      assert.equal((await introspect(another.access_token)).active, false);
      works('revocation_endpoint_auth_methods_supported', 'client_secret_basic');
    });

    test('a web app with keys signs alice in with private_key_jwt, then introspects and revokes with it', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
      const registered = await v1('POST', '/clients', {
        name: 'Shop web app',
        type: 'web',
        grant_types: ['authorization_code'],
        redirect_uris: [CALLBACK],
        resources: [API],
        scopes: ['groups:read-only'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'shop-1', alg: 'ES256' }] },
      });
      assert.equal(registered.status, 201);
      const app = registered.body as ClientJson;
      assert.equal(app.token_endpoint_auth_method, 'private_key_jwt');
      assert.equal(app.client_secret, null, 'a client with keys gets no secret');

      const config = await oidc.discovery(
        new URL(tessera.url),
        app.client_id,
        { redirect_uris: [CALLBACK] },
        oidc.PrivateKeyJwt({ key: privateKey, kid: 'shop-1' }),
        { execute: [oidc.allowInsecureRequests] },
      );
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      // The pushed authorization request is authenticated with the key too.
      const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: CALLBACK,
        scope: 'openid groups:read-only',
        resource: API,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      const { callback } = await signInAndConsent(authorizationUrl, CALLBACK);
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: verifier, expectedState: state },
        { resource: API },
      );
      assert.equal(tokens.claims()?.sub, aliceId);
      works('token_endpoint_auth_methods_supported', 'private_key_jwt');

      const own = await oidc.tokenIntrospection(config, tokens.access_token);
      assert.equal(own.active, true);
      assert.equal(own.client_id, app.client_id);
      works('introspection_endpoint_auth_methods_supported', 'private_key_jwt');
      await oidc.tokenRevocation(config, tokens.access_token);
      assert.equal((await introspect(tokens.access_token)).active, false);
      works('revocation_endpoint_auth_methods_supported', 'private_key_jwt');
    });

    test('discovery advertises only what the tests above showed working, and no userinfo', async () => {
      const metadata = (await (
        await fetch(`${tessera.url}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      assert.equal(
        metadata.userinfo_endpoint,
        undefined,
        'no userinfo: tokens are issued for APIs, not for it',
      );
      for (const member of [
        'grant_types_supported',
        'scopes_supported',
        'token_endpoint_auth_methods_supported',
        'introspection_endpoint_auth_methods_supported',
        'revocation_endpoint_auth_methods_supported',
      ]) {
        const advertised = metadata[member];
        assert.ok(Array.isArray(advertised), `${member} is advertised`);
        assert.deepEqual(
          [...(advertised as string[])].sort(),
          [...(exercised.get(member) ?? [])].sort(),
          `${member}: advertised = exercised`,
        );
      }
    });
  });

applicationsSuite('embedded', chromiumSkipReason());
applicationsSuite('production', chromiumSkipReason() || (await productionSkipReason()));
