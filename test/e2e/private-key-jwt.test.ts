import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { ACCESS_TOKEN_TYPE, createPat, createUser, TOKEN_EXCHANGE } from '../helpers/platform-setup.ts';
import { serveHttpsDocuments } from '../helpers/https-documents.ts';
import { productionEnv } from '../helpers/production-env.ts';
import { cliJson, runCli, startTessera, testEnv } from '../helpers/tessera-process.ts';
import { createOrdersApi, createOrdersResourceServer, ORDERS_API } from '../helpers/tessera-setup.ts';

/**
 * private_key_jwt (RFC 7523) end to end: services registered with their public keys — inline or at
 * a jwks_uri Tessera fetches — authenticate with openid-client's PrivateKeyJwt at the token,
 * introspection and revocation endpoints; a replayed assertion, one signed by a key the client did
 * not register, and a secret presented for such a client are refused.
 */
const API = ORDERS_API;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

type Profile = 'embedded' | 'production';
type Registered = { client_id: string; client_secret: string | null; token_endpoint_auth_method: string };

const profileEnv = async (t: TestContext, profile: Profile, overrides: Record<string, string>) =>
  profile === 'embedded' ? testEnv(t, overrides) : (await productionEnv(t, overrides))?.env;

/** An EdDSA key is registered without `alg`: openid-client signs with its fully-specified name, Ed25519. */
const keyPair = async (alg: string, kid: string) => {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, ...(alg === 'EdDSA' ? {} : { alg }) } as JWK;
  return { privateKey, publicJwk, kid };
};

const jwksFile = (t: TestContext, jwks: unknown): string => {
  const path = join(process.env.TMPDIR ?? '/tmp', `tessera-jwks-${randomUUID()}.json`);
  writeFileSync(path, JSON.stringify(jwks));
  t.after(() => import('node:fs').then(({ rmSync }) => rmSync(path, { force: true })));
  return path;
};

/** An assertion made by hand, so that the very same one can be sent twice. */
const assertion = (clientId: string, audience: string, key: CryptoKey, alg: string, kid: string) =>
  new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg, kid })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(key);

const postToken = (issuer: string, values: Record<string, string>) =>
  fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(values),
  });

for (const profile of ['embedded', 'production'] as const) {
  describe(`private_key_jwt (${profile} profile)`, () => {
    test('services authenticate with keys at the token, introspection and revocation endpoints', async (t) => {
      // The test's own JWKS server is on loopback (https, self-signed): the operator's allowance for
      // it, and for port 1 where nothing answers.
      const jwksHost = await serveHttpsDocuments(t);
      const env = await profileEnv(t, profile, {
        TESSERA_OUTBOUND_ALLOW_HOSTS: `${jwksHost.host} 127.0.0.1:1`,
        NODE_EXTRA_CA_CERTS: jwksHost.certFile,
      });
      if (!env) return;
      await createOrdersApi(env, 'groups:read-only');

      // A service with its key inline (ES256), a resource server whose keys Tessera fetches (EdDSA).
      const service = await keyPair('ES256', 'service-1');
      const billing = await cliJson<Registered>(env, [
        'clients',
        'create',
        '--name',
        'billing',
        '--grant-types',
        `client_credentials,${TOKEN_EXCHANGE}`,
        '--resources',
        API,
        '--scopes',
        'groups:read-only',
        '--auth-method',
        'private_key_jwt',
        '--jwks-file',
        jwksFile(t, { keys: [service.publicJwk] }),
      ]);
      assert.equal(billing.client_secret, null, 'a client with keys gets no secret');
      assert.equal(billing.token_endpoint_auth_method, 'private_key_jwt');

      const server = await keyPair('EdDSA', 'rs-1');
      jwksHost.put('/jwks', { keys: [server.publicJwk] });
      const jwksUri = `${jwksHost.origin}/jwks`;
      const resourceServer = await createOrdersResourceServer<Registered>(env, [
        '--auth-method',
        'private_key_jwt',
        '--jwks-uri',
        jwksUri,
      ]);
      assert.equal(resourceServer.client_secret, null);

      // A service that had a secret moves to keys: the secret stops working.
      const mover = await cliJson<Registered>(env, [
        'clients',
        'create',
        '--name',
        'mover',
        '--grant-types',
        'client_credentials',
        '--resources',
        API,
      ]);
      const moverKey = await keyPair('PS256', 'mover-1');
      const moved = await cliJson<Registered>(env, [
        'clients',
        'update',
        mover.client_id,
        '--auth-method',
        'private_key_jwt',
        '--jwks-file',
        jwksFile(t, { keys: [moverKey.publicJwk] }),
      ]);
      assert.equal(moved.token_endpoint_auth_method, 'private_key_jwt');

      // Keys at a URL where nothing answers.
      const unreachableKey = await keyPair('ES256', 'gone-1');
      const unreachable = await cliJson<Registered>(env, [
        'clients',
        'create',
        '--name',
        'unreachable',
        '--grant-types',
        'client_credentials',
        '--resources',
        API,
        '--auth-method',
        'private_key_jwt',
        '--jwks-uri',
        'https://127.0.0.1:1/jwks',
      ]);

      const tessera = await startTessera(t, env);
      const configFor = (clientId: string, key: CryptoKey) =>
        oidc.discovery(new URL(tessera.url), clientId, undefined, oidc.PrivateKeyJwt(key), {
          execute: [oidc.allowInsecureRequests],
        });
      const billingConfig = await configFor(billing.client_id, service.privateKey);
      const metadata = billingConfig.serverMetadata();
      for (const endpoint of ['token', 'introspection', 'revocation'] as const) {
        assert.ok(
          metadata[`${endpoint}_endpoint_auth_methods_supported`]?.includes('private_key_jwt'),
          endpoint,
        );
        assert.ok(
          metadata[`${endpoint}_endpoint_auth_signing_alg_values_supported`]?.includes('ES256'),
          endpoint,
        );
        assert.ok(
          metadata[`${endpoint}_endpoint_auth_signing_alg_values_supported`]?.includes('EdDSA'),
          endpoint,
        );
        assert.ok(
          !metadata[`${endpoint}_endpoint_auth_signing_alg_values_supported`]?.includes('HS256'),
          endpoint,
        );
      }

      // client_credentials with the inline key.
      const grant = await oidc.clientCredentialsGrant(billingConfig, { resource: API });
      assert.equal(grant.scope, 'groups:read-only');

      // Token exchange, the other service grant, with the same key.
      await createUser(env, 'alice', ['--admin']);
      const pat = await createPat(env, 'alice', 'admin groups:read-only');
      const exchanged = await oidc.genericGrantRequest(billingConfig, TOKEN_EXCHANGE, {
        subject_token: pat.token,
        subject_token_type: ACCESS_TOKEN_TYPE,
        resource: API,
      });
      assert.ok(exchanged.access_token);

      // Introspection and revocation by the resource server, its keys fetched from its jwks_uri.
      const rsConfig = await configFor(resourceServer.client_id, server.privateKey);
      const seen = await oidc.tokenIntrospection(rsConfig, grant.access_token);
      assert.equal(seen.active, true);
      assert.equal(seen.client_id, billing.client_id);
      assert.ok(jwksHost.fetched.includes('/jwks'), 'Tessera fetched the jwks_uri');
      // The client revokes its own token, authenticated by its key.
      await oidc.tokenRevocation(billingConfig, grant.access_token);
      assert.equal((await oidc.tokenIntrospection(rsConfig, grant.access_token)).active, false);

      // The same assertion twice: the second is a replay (jti remembered in the token store).
      const once = await assertion(billing.client_id, tessera.url, service.privateKey, 'ES256', service.kid);
      const request = {
        grant_type: 'client_credentials',
        resource: API,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: once,
      };
      assert.equal((await postToken(tessera.url, request)).status, 200);
      const replayed = await postToken(tessera.url, request);
      assert.equal(replayed.status, 401);
      assert.deepEqual(await replayed.json(), {
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });

      // Signed by a key the client never registered, even with its kid.
      const stranger = await keyPair('ES256', service.kid);
      const forged = await postToken(tessera.url, {
        ...request,
        client_assertion: await assertion(
          billing.client_id,
          tessera.url,
          stranger.privateKey,
          'ES256',
          service.kid,
        ),
      });
      assert.equal(forged.status, 401);
      assert.equal(((await forged.json()) as { error: string }).error, 'invalid_client');
      const strangerConfig = await configFor(billing.client_id, stranger.privateKey);
      await assert.rejects(
        oidc.clientCredentialsGrant(strangerConfig, { resource: API }),
        (error) => (error as { error?: string }).error === 'invalid_client',
      );

      // An assertion for another audience, and an HMAC one, are refused too.
      const elsewhere = await postToken(tessera.url, {
        ...request,
        client_assertion: await assertion(
          billing.client_id,
          'https://other.example.test',
          service.privateKey,
          'ES256',
          service.kid,
        ),
      });
      assert.equal(elsewhere.status, 401);

      const moverConfig = await configFor(mover.client_id, moverKey.privateKey);
      assert.ok((await oidc.clientCredentialsGrant(moverConfig, { resource: API })).access_token);
      const oldSecret = await fetch(`${tessera.url}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${mover.client_id}:${String(mover.client_secret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: API }),
      });
      assert.equal(oldSecret.status, 401, 'the secret it had before stopped working');

      // Keys that cannot be fetched: the client is not authenticated (an OAuth error, not a 500).
      await assert.rejects(
        oidc.clientCredentialsGrant(await configFor(unreachable.client_id, unreachableKey.privateKey), {
          resource: API,
        }),
        (error) => (error as { error?: string }).error === 'invalid_client',
      );

      // A client with keys has no secret: presenting one (the fast lane's path) is refused.
      const withSecret = await postToken(tessera.url, {
        grant_type: 'client_credentials',
        client_id: billing.client_id,
        client_secret: 'tsr_cs_guess',
      });
      assert.equal(withSecret.status, 401);
      const basic = await fetch(`${tessera.url}/token/introspection`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${resourceServer.client_id}:anything`).toString('base64')}`,
        },
        body: new URLSearchParams({ token: exchanged.access_token }),
      });
      assert.equal(basic.status, 401);
    });
  });
}

describe('private_key_jwt registration refuses hostile input (CLI and /v1)', () => {
  test('a private key, an http jwks_uri, both at once: precise errors naming the flag or member', async (t) => {
    const env = testEnv(t);
    await cliJson(env, [
      'api-resources',
      'create',
      '--identifier',
      API,
      '--name',
      'Orders API',
      '--scopes',
      'groups:read-only',
    ]);
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const publicJwk = await exportJWK(publicKey);
    const create = ['clients', 'create', '--name', 'hostile', '--resources', API];

    const privateInFile = await runCli(env, [
      ...create,
      '--auth-method',
      'private_key_jwt',
      '--jwks-file',
      jwksFile(t, { keys: [privateJwk] }),
    ]);
    assert.equal(privateInFile.code, 2);
    assert.match(
      privateInFile.stderr,
      /--jwks-file key 1 contains private key material \(d\): register only the public key/,
    );

    const http = await runCli(env, [
      ...create,
      '--auth-method',
      'private_key_jwt',
      '--jwks-uri',
      'http://keys.example.test/jwks',
    ]);
    assert.equal(http.code, 2);
    assert.match(http.stderr, /--jwks-uri must use https/);

    const both = await runCli(env, [
      ...create,
      '--auth-method',
      'private_key_jwt',
      '--jwks-file',
      jwksFile(t, { keys: [publicJwk] }),
      '--jwks-uri',
      'https://keys.example.test/jwks',
    ]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--jwks-uri give either --jwks-file or --jwks-uri, not both/);

    const missingFile = await runCli(env, [
      ...create,
      '--auth-method',
      'private_key_jwt',
      '--jwks-file',
      '/nonexistent/jwks.json',
    ]);
    assert.equal(missingFile.code, 2);
    assert.match(missingFile.stderr, /--jwks-file \/nonexistent\/jwks\.json cannot be read: ENOENT/);

    const noKeys = await runCli(env, [...create, '--auth-method', 'private_key_jwt']);
    assert.equal(noKeys.code, 2);
    assert.match(noKeys.stderr, /--jwks-file is required with private_key_jwt/);
    const listed = await cliJson<{ name: string }[]>(env, ['clients', 'list']);
    assert.ok(!listed.some((client) => client.name === 'hostile'), 'nothing was half-registered');

    // The same through /v1/clients, as RFC 9457 problems pointing at the member.
    await createUser(env, 'alice', ['--admin']);
    const admin = (await createPat(env, 'alice', 'admin')).token;
    const tessera = await startTessera(t, env);
    const v1 = async (body: unknown) => {
      const response = await fetch(`${tessera.url}/v1/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.match(String(response.headers.get('content-type')), /application\/problem\+json/);
      return {
        status: response.status,
        body: (await response.json()) as { errors?: { pointer?: string; detail: string }[] },
      };
    };
    const base = {
      name: 'hostile',
      grant_types: ['client_credentials'],
      resources: [API],
      token_endpoint_auth_method: 'private_key_jwt',
    };
    const privateKeyProblem = await v1({ ...base, jwks: { keys: [privateJwk] } });
    assert.equal(privateKeyProblem.status, 400);
    assert.equal(privateKeyProblem.body.errors?.[0]?.pointer, '/jwks/keys/0');
    assert.match(String(privateKeyProblem.body.errors?.[0]?.detail), /contains private key material \(d\)/);
    const httpProblem = await v1({ ...base, jwks_uri: 'http://keys.example.test/jwks' });
    assert.equal(httpProblem.status, 400);
    assert.equal(httpProblem.body.errors?.[0]?.pointer, '/jwks_uri');
    assert.match(String(httpProblem.body.errors?.[0]?.detail), /must use https/);
    const bothProblem = await v1({
      ...base,
      jwks: { keys: [publicJwk] },
      jwks_uri: 'https://keys.example.test/jwks',
    });
    assert.equal(bothProblem.status, 400);
    assert.equal(bothProblem.body.errors?.[0]?.pointer, '/jwks_uri');
    assert.match(String(bothProblem.body.errors?.[0]?.detail), /not both/);
    const metadataProblem = await v1({ ...base, jwks_uri: 'https://169.254.169.254/latest' });
    assert.equal(metadataProblem.status, 400);
    assert.match(String(metadataProblem.body.errors?.[0]?.detail), /private, loopback or link-local/);
  });
});
