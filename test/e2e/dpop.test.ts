import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, decodeJwt, exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { createPat, createUser, TOKEN_EXCHANGE, ACCESS_TOKEN_TYPE } from '../helpers/platform-setup.ts';
import { type ProductionEnv, productionEnv, productionSkipReason } from '../helpers/production-env.ts';
import { signInAndAllow } from '../helpers/sign-in-flow.ts';
import { cliJson, startTessera, suiteScope, type TesseraInstance } from '../helpers/tessera-process.ts';
import {
  basicAuth,
  form,
  JWT_API,
  OPAQUE_API,
  postForm,
  type RegisteredClient,
  registerFixtures,
} from '../helpers/tessera-setup.ts';

/**
 * DPoP (RFC 9449) end to end, with real clients: openid-client gets DPoP-bound tokens by client
 * credentials, token exchange and authorization code + PKCE + refresh (through the real sign-in
 * pages); oauth4webapi, as a resource server, accepts a bound JWT only with a proof by its key;
 * introspection names the key (`cnf.jkt`) for JWT and opaque tokens alike; server nonces make the
 * round trip; and a client registered with `dpop_bound_access_tokens` gets nothing without a
 * proof — through the fast lane as through the provider.
 */
const CALLBACK = 'https://app.example.test/callback';
const SPA_CALLBACK = 'https://spa.example.test/callback';
const insecure = { [oauth.allowInsecureRequests]: true };

type Introspection = { active: boolean; token_type?: string; cnf?: { jkt?: string }; client_id?: string };

type KeyPair = Awaited<ReturnType<typeof oidc.randomDPoPKeyPair>>;

const thumbprint = async (keyPair: KeyPair): Promise<string> =>
  calculateJwkThumbprint(await exportJWK(keyPair.publicKey));

describe(
  'DPoP: sender-constrained tokens on every grant',
  { skip: chromiumSkipReason() || (await productionSkipReason()) },
  () => {
    const scope = suiteScope(after);
    let production: ProductionEnv;
    let tessera: TesseraInstance;
    let browser: Browser;
    let billing: RegisteredClient;
    let resourceServer: RegisteredClient;
    let as: oauth.AuthorizationServer;

    before(async () => {
      const env = await productionEnv(scope);
      assert.ok(env, 'PostgreSQL and Redis are needed');
      production = env;
      ({ billing, resourceServer } = await registerFixtures(production.env));
      await createUser(production.env, 'alice', ['--admin']);
      tessera = await startTessera(scope, production.env);
      browser = await launchChromium(scope);
      const issuer = new URL(tessera.url);
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    });

    const introspect = async (token: string): Promise<Introspection> =>
      (await (
        await postForm(`${tessera.url}/token/introspection`, resourceServer, { token })
      ).json()) as Introspection;

    const fastLaneAnswers = () =>
      tessera
        .logs()
        .split('\n')
        .filter((line) => line.includes('"fastLane":true') && line.includes('"path":"/token"')).length;

    /** openid-client, configured for a client with a secret. */
    const configFor = (client: RegisteredClient, metadata: Partial<oidc.ClientMetadata> = {}) =>
      oidc.discovery(
        new URL(tessera.url),
        client.client_id,
        metadata,
        oidc.ClientSecretBasic(client.client_secret),
        { execute: [oidc.allowInsecureRequests] },
      );

    /** A request to the API, as oauth4webapi would send it with `token` and `DPoP` — captured, not sent. */
    const apiRequest = async (token: string, dpop?: oauth.DPoPHandle): Promise<Request> => {
      let captured: Request | undefined;
      await oauth.protectedResourceRequest(token, 'GET', new URL(`${JWT_API}/groups`), new Headers(), null, {
        ...(dpop ? { DPoP: dpop } : {}),
        [oauth.customFetch]: async (url, init) => {
          captured = new Request(url, init);
          return new Response('{}');
        },
      });
      assert.ok(captured);
      return captured;
    };

    test('discovery advertises DPoP, with the algorithms proofs may use', () => {
      assert.ok(as.dpop_signing_alg_values_supported?.includes('ES256'), JSON.stringify(as));
    });

    test('client credentials: openid-client gets a DPoP-bound JWT that a resource server accepts only with a proof by its key', async () => {
      const config = await configFor(billing);
      const keyPair = await oidc.randomDPoPKeyPair();
      const tokens = await oidc.clientCredentialsGrant(
        config,
        { resource: JWT_API, scope: 'groups:read-only' },
        { DPoP: oidc.getDPoPHandle(config, keyPair) },
      );
      assert.equal(tokens.token_type, 'dpop');
      const jkt = await thumbprint(keyPair);
      assert.deepEqual(decodeJwt(tokens.access_token).cnf, { jkt });

      // The resource server, with oauth4webapi: the token and a proof by the same key pass.
      const client: oauth.Client = { client_id: billing.client_id };
      const proofHolder = oauth.DPoP(client, keyPair);
      const claims = await oauth.validateJwtAccessToken(
        as,
        await apiRequest(tokens.access_token, proofHolder),
        JWT_API,
        {
          requireDPoP: true,
          ...insecure,
        },
      );
      assert.equal(claims.client_id, billing.client_id);
      assert.deepEqual(claims.cnf, { jkt });

      // Presented as a Bearer token (stolen, no proof): refused.
      const bearer = new Request(`${JWT_API}/groups`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      await assert.rejects(
        oauth.validateJwtAccessToken(as, bearer, JWT_API, { requireDPoP: true, ...insecure }),
      );
      // With a proof by another key (the thief's): refused.
      const thief = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
      await assert.rejects(
        oauth.validateJwtAccessToken(as, await apiRequest(tokens.access_token, thief), JWT_API, {
          requireDPoP: true,
          ...insecure,
        }),
        (error: unknown) => {
          assert.match(String((error as Error).message), /confirmation mismatch/);
          return true;
        },
      );

      // Introspection names the key; the token type says DPoP.
      const answer = await introspect(tokens.access_token);
      assert.equal(answer.active, true);
      assert.equal(answer.token_type, 'DPoP');
      assert.deepEqual(answer.cnf, { jkt });
    });

    test('client credentials: an opaque token is stored with its key, and introspection says so', async () => {
      const config = await configFor(billing);
      const keyPair = await oidc.randomDPoPKeyPair();
      const tokens = await oidc.clientCredentialsGrant(
        config,
        { resource: OPAQUE_API },
        { DPoP: oidc.getDPoPHandle(config, keyPair) },
      );
      assert.equal(tokens.token_type, 'dpop');
      assert.ok(!tokens.access_token.includes('.'), 'opaque');
      const answer = await introspect(tokens.access_token);
      assert.equal(answer.active, true);
      assert.equal(answer.token_type, 'DPoP');
      assert.deepEqual(answer.cnf, { jkt: await thumbprint(keyPair) });

      // Without DPoP the same client still gets Bearer tokens, from the fast lane.
      const before = fastLaneAnswers();
      const plain = await oidc.clientCredentialsGrant(config, { resource: OPAQUE_API });
      assert.equal(plain.token_type, 'bearer');
      const plainAnswer = await introspect(plain.access_token);
      assert.equal(plainAnswer.token_type, 'Bearer');
      assert.equal(plainAnswer.cnf, undefined);
      assert.equal(fastLaneAnswers(), before + 1, 'the plain request took the fast lane');
    });

    test('nonces: a proof without the server nonce gets use_dpop_nonce and a DPoP-Nonce header, the retry a token', async () => {
      const client: oauth.Client = { client_id: billing.client_id };
      const dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
      const auth = oauth.ClientSecretBasic(billing.client_secret);
      const parameters = new URLSearchParams({ resource: OPAQUE_API });
      const first = await oauth.clientCredentialsGrantRequest(as, client, auth, parameters, {
        ...insecure,
        DPoP: dpop,
      });
      assert.equal(first.status, 400);
      const nonce = first.headers.get('dpop-nonce');
      assert.ok(nonce, 'the answer carries the nonce to use');
      await assert.rejects(oauth.processClientCredentialsResponse(as, client, first), (error: unknown) => {
        assert.ok(oauth.isDPoPNonceError(error), String(error));
        return true;
      });
      // The handle kept the nonce from the answer: the second proof carries it.
      const second = await oauth.clientCredentialsGrantRequest(as, client, auth, parameters, {
        ...insecure,
        DPoP: dpop,
      });
      const tokens = await oauth.processClientCredentialsResponse(as, client, second);
      assert.equal(tokens.token_type, 'dpop');
    });

    test('an invalid proof is invalid_dpop_proof, whichever path the request would take', async () => {
      const post = async (dpop: string) => {
        const response = await fetch(`${tessera.url}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: basicAuth(billing),
            dpop,
          },
          body: form({ grant_type: 'client_credentials', resource: OPAQUE_API }),
        });
        return { status: response.status, body: (await response.json()) as { error?: string } };
      };
      assert.deepEqual((await post('garbage')).body.error, 'invalid_dpop_proof');
      assert.equal((await post('garbage')).status, 400);
      // A well-formed proof for another endpoint (htu) is refused as well.
      const keyPair = await oauth.generateKeyPair('ES256');
      const jwk = await exportJWK(keyPair.publicKey);
      const { SignJWT } = await import('jose');
      const elsewhere = await new SignJWT({
        htm: 'POST',
        htu: `${tessera.url}/token/introspection`,
        jti: 'x1',
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .setIssuedAt()
        .sign(keyPair.privateKey);
      const refused = await post(elsewhere);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error, 'invalid_dpop_proof');
    });

    test('token exchange: the exchanged JWT is bound to the proof key', async () => {
      const exchanger = await cliJson<RegisteredClient>(production.env, [
        'clients',
        'create',
        '--name',
        'exchanger',
        '--grant-types',
        TOKEN_EXCHANGE,
        '--resources',
        JWT_API,
      ]);
      const pat = await createPat(production.env, 'alice', 'groups:read-only');
      const config = await configFor(exchanger);
      const keyPair = await oidc.randomDPoPKeyPair();
      const tokens = await oidc.genericGrantRequest(
        config,
        TOKEN_EXCHANGE,
        { subject_token: pat.token, subject_token_type: ACCESS_TOKEN_TYPE, resource: JWT_API },
        { DPoP: oidc.getDPoPHandle(config, keyPair) },
      );
      assert.equal(tokens.token_type, 'dpop');
      const jkt = await thumbprint(keyPair);
      assert.deepEqual(decodeJwt(tokens.access_token).cnf, { jkt });
      const answer = await introspect(tokens.access_token);
      assert.equal(answer.active, true);
      assert.equal(answer.token_type, 'DPoP');
      assert.deepEqual(answer.cnf, { jkt });
    });

    test('the management API, which takes Bearer tokens only, refuses a DPoP-bound token presented as one', async () => {
      const automation = await cliJson<RegisteredClient>(production.env, [
        'clients',
        'create',
        '--name',
        'automation',
        '--grant-types',
        'client_credentials',
        '--resources',
        'urn:tessera:management',
        '--scopes',
        'tokens:read',
      ]);
      const config = await configFor(automation);
      const me = (token: string) =>
        fetch(`${tessera.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      const bearer = await oidc.clientCredentialsGrant(config, { resource: 'urn:tessera:management' });
      assert.equal(bearer.token_type, 'bearer');
      assert.notEqual((await me(bearer.access_token)).status, 401, 'a Bearer token is accepted');
      const bound = await oidc.clientCredentialsGrant(
        config,
        { resource: 'urn:tessera:management' },
        { DPoP: oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair()) },
      );
      assert.equal(bound.token_type, 'dpop');
      assert.equal((await me(bound.access_token)).status, 401);
    });

    test('a client registered with --require-dpop gets no token without a proof, fast lane or not', async () => {
      const strict = await cliJson<RegisteredClient & { dpop_bound_access_tokens: boolean }>(production.env, [
        'clients',
        'create',
        '--name',
        'strict',
        '--grant-types',
        'client_credentials',
        '--resources',
        OPAQUE_API,
        '--require-dpop',
      ]);
      assert.equal(strict.dpop_bound_access_tokens, true);
      const before = fastLaneAnswers();
      const refused = await postForm(`${tessera.url}/token`, strict, {
        grant_type: 'client_credentials',
        resource: OPAQUE_API,
      });
      assert.equal(refused.status, 400);
      assert.equal(((await refused.json()) as { error: string }).error, 'invalid_dpop_proof');
      assert.equal(fastLaneAnswers(), before, 'the fast lane did not answer it');

      const config = await configFor(strict);
      const tokens = await oidc.clientCredentialsGrant(
        config,
        { resource: OPAQUE_API },
        { DPoP: oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair()) },
      );
      assert.equal(tokens.token_type, 'dpop');

      // Turned off again, the client gets Bearer tokens without a proof.
      await cliJson(production.env, ['clients', 'update', strict.client_id, '--no-require-dpop']);
      await waitFor(
        async () =>
          (
            await postForm(`${tessera.url}/token`, strict, {
              grant_type: 'client_credentials',
              resource: OPAQUE_API,
            })
          ).status === 200,
      );
    });

    test('authorization code + PKCE + refresh: a web app gets DPoP-bound tokens and refreshes with the same key', async () => {
      const web = await cliJson<RegisteredClient>(production.env, [
        'clients',
        'create',
        '--name',
        'Shop web app',
        '--type',
        'web',
        '--redirect-uris',
        CALLBACK,
        '--resources',
        OPAQUE_API,
        '--scopes',
        'instances:read-only',
      ]);
      const config = await configFor(web, { redirect_uris: [CALLBACK] });
      const keyPair = await oidc.randomDPoPKeyPair();
      const dpop = oidc.getDPoPHandle(config, keyPair);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid instances:read-only',
        resource: OPAQUE_API,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      const { callback } = await signInAndAllow(browser, scope, url, CALLBACK);
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: verifier, expectedState: state },
        { resource: OPAQUE_API },
        { DPoP: dpop },
      );
      assert.equal(tokens.token_type, 'dpop');
      assert.ok(tokens.refresh_token);
      const jkt = await thumbprint(keyPair);
      const answer = await introspect(tokens.access_token);
      assert.equal(answer.token_type, 'DPoP');
      assert.deepEqual(answer.cnf, { jkt });

      const refreshed = await oidc.refreshTokenGrant(
        config,
        tokens.refresh_token,
        { resource: OPAQUE_API },
        { DPoP: dpop },
      );
      assert.equal(refreshed.token_type, 'dpop');
      assert.deepEqual((await introspect(refreshed.access_token)).cnf, { jkt });
    });

    test('a public client (spa) that must use DPoP: refused without a proof, its refresh token bound to its key', async () => {
      const created = await fetch(`${tessera.url}/v1/clients`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${(await createPat(production.env, 'alice', 'admin')).token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          name: 'Shop SPA',
          type: 'spa',
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: [SPA_CALLBACK],
          resources: [JWT_API],
          scopes: ['groups:read-only'],
          dpop_bound_access_tokens: true,
        }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      const spa = (await created.json()) as { client_id: string; dpop_bound_access_tokens: boolean };
      assert.equal(spa.dpop_bound_access_tokens, true);

      const config = await oidc.discovery(
        new URL(tessera.url),
        spa.client_id,
        { redirect_uris: [SPA_CALLBACK] },
        oidc.None(),
        { execute: [oidc.allowInsecureRequests] },
      );
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: SPA_CALLBACK,
        scope: 'groups:read-only',
        resource: JWT_API,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      const { callback } = await signInAndAllow(browser, scope, url, SPA_CALLBACK);
      const checks = { pkceCodeVerifier: verifier, expectedState: state };

      // Without a proof: refused, and the code is not spent.
      await assert.rejects(
        oidc.authorizationCodeGrant(config, callback, checks, { resource: JWT_API }),
        (error: unknown) => {
          assert.equal(
            (error as { error?: string }).error,
            'invalid_dpop_proof',
            String((error as { error_description?: string }).error_description),
          );
          return true;
        },
      );
      const keyPair = await oidc.randomDPoPKeyPair();
      const dpop = oidc.getDPoPHandle(config, keyPair);
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callback,
        checks,
        { resource: JWT_API },
        { DPoP: dpop },
      );
      assert.equal(tokens.token_type, 'dpop');
      const jkt = await thumbprint(keyPair);
      assert.deepEqual(decodeJwt(tokens.access_token).cnf, { jkt });
      assert.ok(tokens.refresh_token);

      // The refresh token of a public client is bound too: another key cannot use it.
      const otherKey = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair());
      await assert.rejects(
        oidc.refreshTokenGrant(config, tokens.refresh_token, { resource: JWT_API }, { DPoP: otherKey }),
        (error: unknown) => {
          assert.equal((error as { error?: string }).error, 'invalid_grant');
          return true;
        },
      );
      const refreshed = await oidc.refreshTokenGrant(
        config,
        tokens.refresh_token,
        { resource: JWT_API },
        { DPoP: dpop },
      );
      assert.equal(refreshed.token_type, 'dpop');
      assert.deepEqual(decodeJwt(refreshed.access_token).cnf, { jkt });
      const answer = await introspect(refreshed.access_token);
      assert.equal(answer.token_type, 'DPoP');
      assert.deepEqual(answer.cnf, { jkt });
    });
  },
);

/** Client changes reach the server through its cache's change feed: poll briefly, never sleep blindly. */
const waitFor = async (condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
