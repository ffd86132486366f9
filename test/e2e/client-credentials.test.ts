import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'openid-client';
import { productionEnv } from '../helpers/production-env.ts';
import { startTessera, testEnv } from '../helpers/tessera-process.ts';
import {
  JWT_API,
  OPAQUE_API,
  postForm,
  type RegisteredClient,
  registerFixtures,
} from '../helpers/tessera-setup.ts';

type Profile = 'embedded' | 'production';

const profileEnv = async (t: TestContext, profile: Profile) =>
  profile === 'embedded' ? testEnv(t) : (await productionEnv(t))?.env;

const discover = (issuer: string, client: RegisteredClient, style: 'basic' | 'post') =>
  oauth.discovery(
    new URL(issuer),
    client.client_id,
    undefined,
    style === 'basic'
      ? oauth.ClientSecretBasic(client.client_secret)
      : oauth.ClientSecretPost(client.client_secret),
    { execute: [oauth.allowInsecureRequests] },
  );

const introspect = async (url: string, client: RegisteredClient, token: string) =>
  (await (await postForm(`${url}/token/introspection`, client, { token })).json()) as Record<string, unknown>;

for (const profile of ['embedded', 'production'] as const) {
  describe(`client credentials end to end (${profile} profile)`, () => {
    test('a service gets tokens, a relying party validates them, revocation and restarts hold', async (t) => {
      const env = await profileEnv(t, profile);
      if (!env) return;
      let tessera = await startTessera(t, env);
      const { billing, resourceServer, other } = await registerFixtures(env);

      // Discovery (OpenID and RFC 8414) and the public JWKS.
      const openid = (await (
        await fetch(`${tessera.url}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      const rfc8414 = (await (
        await fetch(`${tessera.url}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>;
      assert.equal(openid.issuer, tessera.url);
      assert.deepEqual(rfc8414, openid);
      assert.equal(openid.token_endpoint, `${tessera.url}/token`);
      assert.equal(openid.introspection_endpoint, `${tessera.url}/token/introspection`);
      assert.equal(openid.revocation_endpoint, `${tessera.url}/token/revocation`);
      const jwks = (await (await fetch(`${tessera.url}/jwks`)).json()) as { keys: Record<string, unknown>[] };
      assert.ok(jwks.keys.length >= 3);
      for (const key of jwks.keys) {
        for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
          assert.equal(key[privateMember], undefined);
      }

      // client_secret_basic → a JWT (RFC 9068) that a relying party verifies offline.
      const basic = await discover(tessera.url, billing, 'basic');
      const jwtGrant = await oauth.clientCredentialsGrant(basic, { resource: JWT_API });
      assert.equal(jwtGrant.token_type.toLowerCase(), 'bearer');
      assert.equal(jwtGrant.scope, 'groups:read-only');
      const header = decodeProtectedHeader(jwtGrant.access_token);
      assert.equal(header.typ, 'at+jwt');
      assert.equal(header.alg, 'ES256');
      assert.ok(header.kid);
      const { payload } = await jwtVerify(
        jwtGrant.access_token,
        createRemoteJWKSet(new URL(`${tessera.url}/jwks`)),
        {
          issuer: tessera.url,
          audience: JWT_API,
          typ: 'at+jwt',
        },
      );
      assert.equal(payload.sub, billing.client_id);
      assert.equal(payload.client_id, billing.client_id);
      assert.equal(payload.aud, JWT_API);
      assert.equal(payload.scope, 'groups:read-only');
      assert.ok(typeof payload.jti === 'string' && payload.jti.length > 0);
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 300);

      // client_secret_post → an opaque token for the client's opaque API.
      const post = await discover(tessera.url, billing, 'post');
      const opaque = await oauth.clientCredentialsGrant(post, { resource: OPAQUE_API });
      assert.match(opaque.access_token, /^[\w-]{43,}$/);
      assert.throws(() => decodeProtectedHeader(opaque.access_token));

      // Without `resource`, the audience is the client's first API.
      const defaulted = await oauth.clientCredentialsGrant(basic, {});
      assert.equal(
        (await jwtVerify(defaulted.access_token, createRemoteJWKSet(new URL(`${tessera.url}/jwks`)))).payload
          .aud,
        JWT_API,
      );

      // Introspection: the token's client and the API's registered resource server see it; others don't.
      const seen = await introspect(tessera.url, resourceServer, opaque.access_token);
      assert.equal(seen.active, true);
      assert.equal(seen.client_id, billing.client_id);
      assert.equal(seen.sub, billing.client_id);
      assert.equal(seen.aud, OPAQUE_API);
      assert.equal(seen.scope, 'instances:read-only');
      assert.equal(seen.token_type, 'Bearer');
      assert.equal(seen.iss, tessera.url);
      assert.equal(typeof seen.exp, 'number');
      assert.deepEqual(await introspect(tessera.url, other, opaque.access_token), { active: false });
      const ownView = await oauth.tokenIntrospection(post, opaque.access_token);
      assert.equal(ownView.active, true);

      // A genuine JWT introspects active with its claims, until it is revoked.
      const jwtView = await introspect(tessera.url, resourceServer, jwtGrant.access_token);
      assert.equal(jwtView.active, true);
      assert.equal(jwtView.jti, payload.jti);
      assert.equal(jwtView.sub, billing.client_id);
      assert.deepEqual(await introspect(tessera.url, other, jwtGrant.access_token), { active: false });
      await oauth.tokenRevocation(basic, jwtGrant.access_token);
      assert.deepEqual(await introspect(tessera.url, resourceServer, jwtGrant.access_token), {
        active: false,
      });

      // Revoked opaque tokens are inactive from the moment revocation answers.
      const doomed = await oauth.clientCredentialsGrant(post, { resource: OPAQUE_API });
      await oauth.tokenRevocation(post, doomed.access_token);
      assert.deepEqual(await introspect(tessera.url, resourceServer, doomed.access_token), { active: false });

      // A restart loses nothing: live tokens stay live, revoked ones stay revoked.
      assert.equal(await tessera.stop(), 0);
      tessera = await startTessera(t, env);
      assert.equal((await introspect(tessera.url, resourceServer, opaque.access_token)).active, true);
      assert.deepEqual(await introspect(tessera.url, resourceServer, doomed.access_token), { active: false });
      assert.deepEqual(await introspect(tessera.url, resourceServer, jwtGrant.access_token), {
        active: false,
      });
      const again = await oauth.clientCredentialsGrant(await discover(tessera.url, billing, 'basic'), {
        resource: JWT_API,
      });
      assert.equal((await introspect(tessera.url, resourceServer, again.access_token)).active, true);
    });
  });
}
