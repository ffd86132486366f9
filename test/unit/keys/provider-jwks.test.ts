import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, test, type TestContext } from 'node:test';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  importJWK,
  type JSONWebKeySet,
  jwtVerify,
  SignJWT,
} from 'jose';
import { Provider } from 'oidc-provider';
import { publicJwks, toProviderJwks } from '../../../src/keys/key-ring.ts';
import type { SigningKey } from '../../../src/keys/signing-key.ts';
import { T0, keyWith } from './keys-fixtures.ts';

// The old ES256 key signs until T0+200, when the rotated one takes over; RS256 and EdDSA do not rotate.
let keys: SigningKey[];
let oldEs: SigningKey;
let newEs: SigningKey;
before(async () => {
  keys = await Promise.all([
    keyWith('ES256', T0),
    keyWith('RS256', T0),
    keyWith('EdDSA', T0),
    keyWith('ES256', T0 + 100, T0 + 200),
  ]);
  [oldEs, , , newEs] = keys as [SigningKey, SigningKey, SigningKey, SigningKey];
});

const ISSUER = 'http://localhost:3000';

/** An in-process oidc-provider that issues ES256 JWT access tokens to one client_credentials client. */
const startProvider = async (t: TestContext, jwks: JSONWebKeySet) => {
  const provider = new Provider(ISSUER, {
    jwks: jwks as never,
    clients: [
      {
        client_id: 'svc',
        client_secret: 'a-long-enough-test-secret',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:test:api',
        getResourceServerInfo: () => ({
          scope: 'read',
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  const serverErrors: unknown[] = [];
  provider.on('server_error', (_ctx, error) => serverErrors.push(error));
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, serverErrors };
};

const requestToken = (url: string) =>
  fetch(`${url}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('svc:a-long-enough-test-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read' }),
  });

const issueAccessToken = async (url: string): Promise<string> => {
  const response = await requestToken(url);
  const body = (await response.json()) as { access_token?: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.access_token as string;
};

describe('the key ring with oidc-provider', () => {
  test('oidc-provider accepts the private JWKS with signing, pending and previous keys', () => {
    for (const now of [T0, T0 + 150, T0 + 200]) {
      assert.doesNotThrow(() => new Provider(ISSUER, { jwks: toProviderJwks(keys, now) as never }));
    }
  });

  test('a token signed by the ES256 signer verifies with the public JWKS', async () => {
    const signer = await importJWK(newEs.jwk, 'ES256');
    const token = await new SignJWT({ sub: 'svc' })
      .setProtectedHeader({ alg: 'ES256', kid: newEs.kid })
      .setIssuer(ISSUER)
      .setIssuedAt(T0 + 200)
      .setExpirationTime(T0 + 500)
      .sign(signer);
    const { payload } = await jwtVerify(token, createLocalJWKSet(publicJwks(keys)), {
      issuer: ISSUER,
      currentDate: new Date((T0 + 300) * 1000),
    });
    assert.equal(payload.sub, 'svc');
  });

  test('oidc-provider signs with the current signer, never the pending key, and publishes both', async (t) => {
    const { url: before } = await startProvider(t, toProviderJwks(keys, T0 + 150));
    const early = await issueAccessToken(before);
    assert.equal(decodeProtectedHeader(early).kid, oldEs.kid);
    await jwtVerify(early, createLocalJWKSet(publicJwks(keys)), { issuer: ISSUER });

    const published = (await (await fetch(`${before}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    assert.deepEqual(published.keys.map((key) => key.kid).sort(), keys.map((key) => key.kid).sort());
    for (const key of published.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'tessera_created_at', 'tessera_activates_at']) {
        assert.equal(key[member], undefined, `${member} is not published`);
      }
    }

    const { url: after } = await startProvider(t, toProviderJwks(keys, T0 + 200));
    const late = await issueAccessToken(after);
    assert.equal(decodeProtectedHeader(late).kid, newEs.kid);
    await jwtVerify(late, createLocalJWKSet(publicJwks(keys)), { issuer: ISSUER });
  });

  test('oidc-provider refuses to sign with a key that is still pending, even as the only key of its alg', async (t) => {
    const withoutOldEs = keys.filter((key) => key !== oldEs);
    const provider = await startProvider(t, toProviderJwks(withoutOldEs, T0 + 150));
    const url = provider.url;
    const response = await requestToken(url);
    assert.equal(response.status, 500);
    assert.match(String(provider.serverErrors[0]), /has no corresponding key in the provider's keystore/);
  });
});
