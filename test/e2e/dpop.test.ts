import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { productionEnv } from '../helpers/production-env.ts';
import { cliJson, startTessera } from '../helpers/tessera-process.ts';
import {
  basicAuth,
  form,
  OPAQUE_API,
  type RegisteredClient,
  registerFixtures,
} from '../helpers/tessera-setup.ts';

/**
 * Tessera does not bind tokens to DPoP keys yet. It must not claim to (no dpop_* in discovery), and
 * a client that asks for a bound token must learn that it did not get one: every /token request
 * with a DPoP header is refused, whatever the grant, fast lane or not. Without DPoP all works.
 */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const NOT_SUPPORTED = 'DPoP is not supported by this server';

test('DPoP is neither advertised nor silently ignored at /token', async (t) => {
  const production = await productionEnv(t);
  if (!production) return;
  const tessera = await startTessera(t, production.env);
  const { billing } = await registerFixtures(production.env);
  const exchanger = await cliJson<RegisteredClient>(production.env, [
    'clients',
    'create',
    '--name',
    'exchanger',
    '--grant-types',
    TOKEN_EXCHANGE,
    '--resources',
    OPAQUE_API,
  ]);

  const issuer = new URL(tessera.url);
  const options = { [oauth.allowInsecureRequests]: true };
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
  const advertised = Object.keys(as).filter((name) => /dpop/i.test(name));
  assert.deepEqual(advertised, [], 'discovery advertises no DPoP metadata');

  const client: oauth.Client = { client_id: billing.client_id };
  const clientAuth = oauth.ClientSecretBasic(billing.client_secret);
  const parameters = new URLSearchParams({ resource: OPAQUE_API, scope: 'instances:read-only' });

  // A real client asking for a DPoP-bound token (a valid proof) is refused, not given a Bearer token.
  const keyPair = await oauth.generateKeyPair('ES256');
  const bound = await oauth.clientCredentialsGrantRequest(as, client, clientAuth, parameters, {
    ...options,
    DPoP: oauth.DPoP(client, keyPair),
  });
  await assert.rejects(oauth.processClientCredentialsResponse(as, client, bound), (error: unknown) => {
    assert.ok(error instanceof oauth.ResponseBodyError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.error, 'invalid_request');
    assert.equal(error.error_description, NOT_SUPPORTED);
    return true;
  });

  // The same client without DPoP gets its Bearer token.
  const plain = await oauth.processClientCredentialsResponse(
    as,
    client,
    await oauth.clientCredentialsGrantRequest(as, client, clientAuth, parameters, options),
  );
  assert.equal(plain.token_type, 'bearer');
  assert.equal(typeof plain.access_token, 'string');

  // A malformed proof, on either grant, is refused as well: before the grant looks at anything else.
  const post = async (who: RegisteredClient, values: Record<string, string>) => {
    const response = await fetch(`${tessera.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(who),
        dpop: 'garbage',
      },
      body: form(values),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const refused = { status: 400, body: { error: 'invalid_request', error_description: NOT_SUPPORTED } };
  assert.deepEqual(await post(billing, { grant_type: 'client_credentials', resource: OPAQUE_API }), refused);
  assert.deepEqual(
    await post(exchanger, {
      grant_type: TOKEN_EXCHANGE,
      subject_token: plain.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      resource: OPAQUE_API,
    }),
    refused,
  );
});
