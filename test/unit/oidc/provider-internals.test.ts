import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { Provider } from 'oidc-provider';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  compareClientSecretsByHash,
  DPOP_PROOF_MISSING_DESCRIPTION,
  GRANT_NOT_ALLOWED_DESCRIPTION,
  NO_CLIENT_AUTHENTICATION_DESCRIPTION,
  newClientCredentials,
  replayRequestBody,
  STRUCTURED_TOKEN_ERROR,
  verifiedDpopThumbprint,
} from '../../../src/oidc/provider-internals.ts';

/**
 * Each reach into oidc-provider's internals (src/oidc/provider-internals.ts), checked against the
 * pinned library itself, bare: an upgrade that moves one of them fails here, by name.
 */
const SECRET = 'a-long-enough-test-secret';
const secretHash = createPepperHash('a-test-pepper-that-is-long-enough-for-tessera', 'client-secret');

const bareProvider = () => {
  const provider = new Provider('http://127.0.0.1', {
    clients: [
      {
        client_id: 'svc',
        client_secret: secretHash.digest(SECRET),
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
    },
  });
  const registered = secretHash.digest(SECRET);
  compareClientSecretsByHash(provider, async (clientId, actual) =>
    clientId === 'svc' ? secretHash.matches(actual, registered) : false,
  );
  return provider;
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const serve = async (t: TestContext, handler: Handler): Promise<string> => {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const post = async (url: string, params: Record<string, string>) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const asSvc = (params: Record<string, string>, secret = SECRET) => ({
  client_id: 'svc',
  client_secret: secret,
  ...params,
});

/** A bare provider with DPoP on (no nonces), a client that must use it, and a grant that reports the proof's key. */
const dpopProvider = () => {
  const provider = new Provider('http://127.0.0.1', {
    clients: [
      {
        client_id: 'strict',
        client_secret: 'a-long-enough-test-secret-for-strict',
        grant_types: ['client_credentials', 'urn:test:jkt'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
        dpop_bound_access_tokens: true,
      },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true },
    },
  });
  provider.registerGrantType('urn:test:jkt', async (ctx) => {
    ctx.body = { jkt: await verifiedDpopThumbprint(provider, ctx, 'strict') };
  });
  return provider;
};

describe("oidc-provider's internals Tessera relies on", () => {
  test('DPOP_PROOF_MISSING_DESCRIPTION: the error_detail of the invalid_grant for a DPoP-bound client without a proof', async (t) => {
    const provider = dpopProvider();
    const details: unknown[] = [];
    provider.on('grant.error', (_ctx, error) =>
      details.push((error as { error_detail?: string }).error_detail),
    );
    const url = await serve(t, provider.callback());
    const { status, body } = await post(`${url}/token`, {
      client_id: 'strict',
      client_secret: 'a-long-enough-test-secret-for-strict',
      grant_type: 'client_credentials',
    });
    assert.equal(status, 400);
    assert.equal(body.error, 'invalid_grant');
    assert.deepEqual(details, [DPOP_PROOF_MISSING_DESCRIPTION]);
  });

  test("verifiedDpopThumbprint: a registered grant gets the proof key's thumbprint, or invalid_dpop_proof, from the library's check", async (t) => {
    const url = await serve(t, dpopProvider().callback());
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const proof = (htu: string, jti: string) =>
      new SignJWT({ htm: 'POST', htu, jti })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .setIssuedAt()
        .sign(privateKey);
    const send = async (dpop: string | undefined) => {
      const response = await fetch(`${url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(dpop ? { dpop } : {}) },
        body: new URLSearchParams({
          client_id: 'strict',
          client_secret: 'a-long-enough-test-secret-for-strict',
          grant_type: 'urn:test:jkt',
        }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const good = await proof(`${url}/token`, 'one');
    assert.deepEqual(await send(good), { status: 200, body: { jkt: await calculateJwkThumbprint(jwk) } });
    assert.equal((await send(good)).body.error, 'invalid_grant', 'a replayed proof (same jti) is refused');
    assert.equal((await send(await proof(`${url}/elsewhere`, 'two'))).body.error, 'invalid_dpop_proof');
    assert.deepEqual(await send(undefined), { status: 200, body: {} });
  });

  test('compareClientSecretsByHash: the library accepts the secret whose hash is registered, never the hash', async (t) => {
    const url = await serve(t, bareProvider().callback());
    const granted = await post(`${url}/token`, asSvc({ grant_type: 'client_credentials' }));
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const refused = await post(
      `${url}/token`,
      asSvc({ grant_type: 'client_credentials' }, secretHash.digest(SECRET)),
    );
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
  });

  test('GRANT_NOT_ALLOWED_DESCRIPTION: the exact words of invalid_request for a grant the client may not use', async (t) => {
    const url = await serve(t, bareProvider().callback());
    const { status, body } = await post(
      `${url}/token`,
      asSvc({ grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://rp.test/cb' }),
    );
    assert.equal(status, 400);
    assert.deepEqual(
      { error: body.error, error_description: body.error_description },
      { error: 'invalid_request', error_description: GRANT_NOT_ALLOWED_DESCRIPTION },
    );
  });

  test('NO_CLIENT_AUTHENTICATION_DESCRIPTION: the exact words of invalid_request for a request without client authentication', async (t) => {
    const url = await serve(t, bareProvider().callback());
    for (const path of ['/token/introspection', '/token/revocation']) {
      const { status, body } = await post(`${url}${path}`, { token: 'anything' });
      assert.equal(status, 400, path);
      assert.deepEqual(
        { error: body.error, error_description: body.error_description },
        { error: 'invalid_request', error_description: NO_CLIENT_AUTHENTICATION_DESCRIPTION },
        path,
      );
    }
  });

  test('STRUCTURED_TOKEN_ERROR: the error the library gives a JWT at introspection', async (t) => {
    const url = await serve(t, bareProvider().callback());
    const jwt = `${Buffer.from('{"alg":"ES256","typ":"at+jwt"}').toString('base64url')}.e30.c2ln`;
    const { status, body } = await post(`${url}/token/introspection`, asSvc({ token: jwt }));
    assert.equal(status, 400);
    assert.equal(body.error, STRUCTURED_TOKEN_ERROR);
  });

  test('replayRequestBody: the library reads a body that was read before it', async (t) => {
    const callback = bareProvider().callback();
    const url = await serve(t, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        replayRequestBody(req, Buffer.concat(chunks));
        callback(req, res);
      });
    });
    const { status, body } = await post(`${url}/token`, asSvc({ grant_type: 'client_credentials' }));
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
  });

  test('newClientCredentials: a token made from a client id alone is saved and found again', async () => {
    const provider = bareProvider();
    const value = await newClientCredentials(provider, 'svc', 'read').save();
    const found = await provider.ClientCredentials.find(value);
    assert.equal(found?.clientId, 'svc');
    assert.equal(found?.scope, 'read');
  });
});
