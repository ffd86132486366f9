import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test, type TestContext } from 'node:test';
import { Router } from '@koa/router';
import Koa from 'koa';
import * as client from 'openid-client';
import { createDPoPNonces, createVerifier, type Verifier } from '../../src/index.ts';
import { principalOf, requireToken } from '../../src/koa.ts';
import {
  cliJson,
  startTessera,
  suiteScope,
  testEnv,
  type TesseraInstance,
} from '../../../../test/helpers/tessera-process.ts';
import {
  JWT_API,
  OPAQUE_API,
  type RegisteredClient,
  registerFixtures,
} from '../../../../test/helpers/tessera-setup.ts';
import { serve } from '../middleware-support.ts';

/**
 * End to end: a service registered with `--require-dpop` gets DPoP-bound tokens from a real Tessera
 * with openid-client (client credentials, DPoP handle, nonce retries included), and calls an API
 * protected by @tessera/verify's koa middleware with them: a JWT checked offline (`cnf.jkt` in its
 * claims) and an opaque token checked by introspection (`token_type: DPoP`, `cnf.jkt`).
 */
type Fixtures = Awaited<ReturnType<typeof registerFixtures>>;

describe('@tessera/verify: DPoP-bound tokens from a running Tessera', () => {
  const scope = suiteScope(after);
  let tessera: TesseraInstance;
  let clients: Fixtures;
  let service: RegisteredClient;
  // Until Tessera issues DPoP-bound tokens (its discovery names DPoP algorithms), these tests skip.
  let issuesDPoP = false;
  const skipped = (t: TestContext): boolean => {
    if (!issuesDPoP)
      t.skip('this Tessera does not issue DPoP-bound tokens (no dpop_signing_alg_values_supported)');
    return !issuesDPoP;
  };

  before(async () => {
    const env = testEnv(scope);
    tessera = await startTessera(scope, env);
    clients = await registerFixtures(env);
    const discovery = (await (await fetch(`${tessera.url}/.well-known/openid-configuration`)).json()) as {
      dpop_signing_alg_values_supported?: string[];
    };
    issuesDPoP = (discovery.dpop_signing_alg_values_supported ?? []).length > 0;
    if (!issuesDPoP) return;
    service = await cliJson<RegisteredClient>(env, [
      'clients',
      'create',
      '--name',
      'dpop-service',
      '--grant-types',
      'client_credentials',
      '--resources',
      `${JWT_API},${OPAQUE_API}`,
      '--scopes',
      'groups:read-only instances:read-only',
      '--require-dpop',
    ]);
  });

  const connect = async (registered: RegisteredClient) => {
    const config = await client.discovery(
      new URL(tessera.url),
      registered.client_id,
      undefined,
      client.ClientSecretBasic(registered.client_secret),
      { execute: [client.allowInsecureRequests] },
    );
    const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    return { config, dpop };
  };

  const api = (t: TestContext, verifier: Verifier) => {
    const router = new Router();
    router.get('/me', requireToken(verifier), (ctx) => {
      const principal = principalOf(ctx);
      ctx.body = { subject: principal.subject, jkt: (principal.claims.cnf as { jkt?: string })?.jkt };
    });
    const koa = new Koa();
    koa.silent = true;
    koa.use(router.routes());
    return serve(t, createServer(koa.callback()));
  };

  const introspection = () => ({
    clientId: clients.resourceServer.client_id,
    clientSecret: clients.resourceServer.client_secret,
  });

  test('a DPoP-bound JWT passes with its proof, offline, and is refused as Bearer', async (t) => {
    if (skipped(t)) return;
    const { config, dpop } = await connect(service);
    const tokens = await client.clientCredentialsGrant(
      config,
      { resource: JWT_API, scope: 'groups:read-only' },
      { DPoP: dpop },
    );
    assert.equal(tokens.token_type, 'dpop');
    const base = await api(t, createVerifier({ issuer: tessera.url, audience: JWT_API }));

    const response = await client.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL(`${base}/me`),
      'GET',
      null,
      undefined,
      { DPoP: dpop },
    );
    assert.equal(response.status, 200);
    const body = (await response.json()) as { subject: string; jkt: string };
    assert.equal(body.subject, service.client_id);
    assert.equal(body.jkt, await dpop.calculateThumbprint());

    const asBearer = await fetch(`${base}/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(asBearer.status, 401);
    assert.match(
      asBearer.headers.get('www-authenticate') ?? '',
      /error="invalid_token".*bound to a DPoP key/,
    );

    // Another key's proof does not make the token usable.
    const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const stolen = await client
      .fetchProtectedResource(config, tokens.access_token, new URL(`${base}/me`), 'GET', null, undefined, {
        DPoP: thief,
      })
      .catch((error: unknown) => (error as client.WWWAuthenticateChallengeError).response);
    assert.equal(stolen?.status, 401);
    assert.match(stolen?.headers.get('www-authenticate') ?? '', /^DPoP .*error="invalid_dpop_proof"/);
  });

  test('an opaque DPoP-bound token passes by introspection with its proof, and the API may ask for nonces', async (t) => {
    if (skipped(t)) return;
    const { config, dpop } = await connect(service);
    const tokens = await client.clientCredentialsGrant(
      config,
      { resource: OPAQUE_API, scope: 'instances:read-only' },
      { DPoP: dpop },
    );
    assert.equal(tokens.token_type, 'dpop');
    const base = await api(
      t,
      createVerifier({
        issuer: tessera.url,
        audience: OPAQUE_API,
        introspection: introspection(),
        requireDPoP: true,
        dpop: { nonce: createDPoPNonces() },
      }),
    );
    // openid-client is told use_dpop_nonce with a DPoP-Nonce, and retries with it by itself.
    const response = await client.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL(`${base}/me`),
      'GET',
      null,
      undefined,
      { DPoP: dpop },
    );
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { subject: string }).subject, service.client_id);
    const asBearer = await fetch(`${base}/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(asBearer.status, 401);
  });

  test('with requireDPoP, a bearer token from a client without DPoP is refused', async (t) => {
    if (skipped(t)) return;
    const { config } = await connect(clients.billing);
    const tokens = await client.clientCredentialsGrant(config, {
      resource: JWT_API,
      scope: 'groups:read-only',
    });
    assert.equal(tokens.token_type, 'bearer');
    const base = await api(t, createVerifier({ issuer: tessera.url, audience: JWT_API, requireDPoP: true }));
    const response = await fetch(`${base}/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^DPoP .*DPoP-bound tokens only/);
  });
});
