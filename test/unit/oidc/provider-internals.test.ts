import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { Provider } from 'oidc-provider';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import {
  compareClientSecretsByHash,
  GRANT_NOT_ALLOWED_DESCRIPTION,
  NO_CLIENT_AUTHENTICATION_DESCRIPTION,
  newClientCredentials,
  replayRequestBody,
  STRUCTURED_TOKEN_ERROR,
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

describe("oidc-provider's internals Tessera relies on", () => {
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
