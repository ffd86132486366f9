import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Provider } from 'oidc-provider';
import type { CachedLookup } from '../../../src/cache/cached-lookup.ts';
import type { ApiResource, SigningAlg } from '../../../src/domain/api-resources/api-resource.ts';
import type { Client } from '../../../src/domain/clients/client.ts';
import { generateSigningKey } from '../../../src/keys/generate-key.ts';
import { publicJwks, toProviderJwks } from '../../../src/keys/key-ring.ts';
import type { SigningKey } from '../../../src/keys/signing-key.ts';
import { resourceServerInfo } from '../../../src/oidc/configuration/resource-server-info.ts';
import { issueClientCredentialsToken } from '../../../src/oidc/grants/client-credentials.ts';
import { newClientCredentials } from '../../../src/oidc/provider-internals.ts';

// Tessera signs client_credentials JWTs itself (node:crypto, synchronously) instead of letting
// oidc-provider's token.save() sign them with jose. Resource servers cannot tell: the header and
// the claims are the library's, byte for byte apart from the random jti and the clock, and jose
// verifies them for every algorithm a Tessera key can have.

const ISSUER = 'https://auth.test';
const CLIENT_ID = 'svc_reports';
const ALGS: SigningAlg[] = ['ES256', 'RS256', 'EdDSA'];

const apiFor = (alg: SigningAlg): ApiResource => ({
  identifier: `https://${alg.toLowerCase()}.api.test`,
  name: alg,
  format: 'jwt',
  accessTokenTtl: 900,
  scopes: ['reports:read', 'reports:write', 'other'],
  signingAlg: alg,
  createdAt: new Date(),
  updatedAt: new Date(),
});
const APIS = ALGS.map(apiFor);

const registered = {
  clientId: CLIENT_ID,
  resources: APIS.map((api) => api.identifier),
  scopes: ['reports:read', 'reports:write'],
  grantTypes: ['client_credentials'],
} as Client;

const lookup = <T>(values: Map<string, T>): CachedLookup<T> => ({
  get: async (key) => values.get(key),
  invalidate: () => {},
});

const segments = (jwt: string) => {
  const [header, payload, signature] = jwt.split('.');
  assert.ok(header && payload && signature, 'a compact JWS');
  return { header, payload: JSON.parse(Buffer.from(payload, 'base64url').toString()), signature };
};

describe('client_credentials JWT access tokens', () => {
  let keys: SigningKey[];
  let provider: Provider;
  let jwks: ReturnType<typeof toProviderJwks>;

  before(async () => {
    const now = Math.floor(Date.now() / 1000);
    keys = await Promise.all(ALGS.map((alg) => generateSigningKey(alg, { now: now - 60 })));
    jwks = toProviderJwks(keys, now);
    provider = new Provider(ISSUER, {
      jwks: jwks as never,
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: { enabled: true },
      },
      ttl: {
        ClientCredentials: (_ctx, token) =>
          (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer?.accessTokenTTL ?? 600,
      },
    });
  });

  const deps = () => ({
    clients: lookup(new Map([[CLIENT_ID, registered]])),
    apiResources: lookup(new Map(APIS.map((api) => [api.identifier, api]))),
    jwks,
  });

  const libraryToken = (api: ApiResource, scope: string) => {
    const token = newClientCredentials(provider, CLIENT_ID, scope);
    token.resourceServer = new provider.ResourceServer(
      api.identifier,
      resourceServerInfo(api, ['reports:read']),
    );
    return token.save();
  };

  for (const api of APIS) {
    test(`${api.signingAlg}: the same header and claims, in the same order, as the library's own token`, async () => {
      const ours = await issueClientCredentialsToken(provider, deps(), registered, {
        resource: api.identifier,
        scope: 'reports:read',
      });
      const theirs = segments(await libraryToken(api, 'reports:read'));
      const mine = segments(ours.body.access_token);

      assert.equal(mine.header, theirs.header, 'the protected header, byte for byte');
      assert.deepEqual(Object.keys(mine.payload), Object.keys(theirs.payload), 'the claims, in order');
      for (const claim of ['sub', 'scope', 'client_id', 'iss', 'aud'])
        assert.deepEqual(mine.payload[claim], theirs.payload[claim], claim);
      assert.match(mine.payload.jti, /^[A-Za-z0-9_-]{43}$/, 'a jti like the library’s (256 random bits)');
      assert.notEqual(mine.payload.jti, theirs.payload.jti);
      assert.equal(mine.payload.exp - mine.payload.iat, theirs.payload.exp - theirs.payload.iat);
      assert.ok(Math.abs(mine.payload.iat - theirs.payload.iat) <= 2);
      assert.deepEqual(ours.body, {
        access_token: ours.body.access_token,
        expires_in: 900,
        token_type: 'Bearer',
        scope: 'reports:read',
      });
      assert.equal(ours.token.jti, mine.payload.jti, 'the token model names the token it issued');
    });

    test(`${api.signingAlg}: jose verifies the token with the published keys, typ at+jwt (RFC 9068)`, async () => {
      const { body } = await issueClientCredentialsToken(provider, deps(), registered, {
        resource: api.identifier,
      });
      const { payload, protectedHeader } = await jwtVerify(
        body.access_token,
        createLocalJWKSet(publicJwks(keys)),
        {
          issuer: ISSUER,
          audience: api.identifier,
          typ: 'at+jwt',
          algorithms: [api.signingAlg],
          requiredClaims: ['jti', 'exp', 'iat', 'sub', 'client_id'],
        },
      );
      assert.equal(protectedHeader.kid, keys[ALGS.indexOf(api.signingAlg)]?.kid);
      assert.equal(payload.sub, CLIENT_ID);
      assert.equal(payload.client_id, CLIENT_ID);
      // No scope asked for: all of the client's scopes this API defines.
      assert.equal(payload.scope, 'reports:read reports:write');
    });
  }

  test('a DPoP-bound token: cnf.jkt where the library puts it, token_type DPoP', async () => {
    const api = APIS[0] as ApiResource;
    const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    const ours = await issueClientCredentialsToken(provider, deps(), registered, {
      resource: api.identifier,
      scope: 'reports:read',
      jkt,
    });
    const bound = newClientCredentials(provider, CLIENT_ID, 'reports:read');
    bound.resourceServer = new provider.ResourceServer(
      api.identifier,
      resourceServerInfo(api, ['reports:read']),
    );
    bound.setThumbprint('jkt', jkt);
    const theirs = segments(await bound.save());
    const mine = segments(ours.body.access_token);
    assert.deepEqual(Object.keys(mine.payload), Object.keys(theirs.payload), 'the claims, in order');
    assert.deepEqual(mine.payload.cnf, { jkt });
    assert.deepEqual(theirs.payload.cnf, { jkt });
    assert.equal(ours.body.token_type, 'DPoP');
    assert.equal(ours.token.jkt, jkt);
  });

  test('the library is told a token was issued, as its own save() does for a JWT', async () => {
    const api = APIS[0] as ApiResource;
    const issued: string[] = [];
    const listener = (token: { jti: string }) => issued.push(token.jti);
    provider.on('client_credentials.issued', listener);
    try {
      const { token } = await issueClientCredentialsToken(provider, deps(), registered, {
        resource: api.identifier,
      });
      assert.deepEqual(issued, [token.jti]);
    } finally {
      provider.off('client_credentials.issued', listener);
    }
  });
});
