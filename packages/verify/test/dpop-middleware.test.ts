import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import { Router } from '@koa/router';
import express from 'express';
import Koa from 'koa';
import * as oauth from 'oauth4webapi';
import * as expressMiddleware from '../src/express.ts';
import { createDPoPNonces, createVerifier, type Verifier, type VerifierOptions } from '../src/index.ts';
import * as koaMiddleware from '../src/koa.ts';
import { clientKey, type ClientKey, makeProof } from './dpop-support.ts';
import { AUDIENCE, startFakeIssuer } from './fake-issuer.ts';
import { serve } from './middleware-support.ts';

/**
 * DPoP through the koa and express middleware: the method, URL and headers they hand the verifier,
 * and the RFC 9449 §7.1 answers they give. The client is oauth4webapi's DPoP handle (nonce retry
 * included), calling the API by its public URL, which a fetch wrapper routes to 127.0.0.1 the way
 * a TLS-terminating proxy would; the verifier checks real JWTs from the fake issuer on the real clock.
 */
const PUBLIC = 'https://api.example.test';
const ALGS = 'algs="ES256 ES384 EdDSA PS256 RS256"';
const REALM = `realm="${AUDIENCE}"`;

type App = (t: TestContext, verifier: Verifier, publicUrl?: string) => Promise<string>;

const koaApp: App = (t, verifier, publicUrl) => {
  const { requireScope, requireToken, principalOf } = koaMiddleware;
  const router = new Router();
  const token = requireToken(verifier, publicUrl ? { publicUrl } : {});
  router.get('/me', token, (ctx) => {
    ctx.body = { subject: principalOf(ctx).subject };
  });
  router.post('/groups', token, requireScope('groups:read-write'), (ctx) => {
    ctx.body = { ok: true };
  });
  const koa = new Koa();
  koa.silent = true;
  koa.use(router.routes());
  return serve(t, createServer(koa.callback()));
};

const expressApp: App = (t, verifier, publicUrl) => {
  const { requireScope, requireToken, principalOf } = expressMiddleware;
  const api = express();
  const token = requireToken(verifier, publicUrl ? { publicUrl } : {});
  api.get('/me', token, (req, res) => {
    res.json({ subject: principalOf(req).subject });
  });
  api.post('/groups', token, requireScope('groups:read-write'), (_req, res) => {
    res.json({ ok: true });
  });
  return serve(t, createServer(api));
};

const setup = async (
  t: TestContext,
  app: App,
  options: Partial<VerifierOptions> = {},
  publicUrl?: string,
) => {
  const issuer = await startFakeIssuer(t);
  const verifier = createVerifier({ issuer: issuer.issuer, audience: AUDIENCE, ...options });
  const base = await app(t, verifier, publicUrl);
  const key = await clientKey();
  const token = await issuer.sign({ now: Date.now(), claims: { cnf: { jkt: key.jkt } } });
  const unbound = await issuer.sign({ now: Date.now() });
  return { issuer, verifier, base, key, token, unbound };
};

/** oauth4webapi's DPoP client, calling `https://api.example.test<path>`, delivered to `base`. */
const dpopClient = (key: ClientKey, base: string) => {
  const handle = oauth.DPoP({}, { privateKey: key.privateKey, publicKey: key.publicKey });
  const call = (token: string, method: string, path: string) =>
    oauth.protectedResourceRequest(token, method, new URL(`${PUBLIC}${path}`), undefined, null, {
      DPoP: handle,
      [oauth.customFetch]: (url: string, init: RequestInit) => fetch(url.replace(PUBLIC, base), init),
    });
  return { handle, call };
};

const answer = async (response: Response) => ({
  status: response.status,
  challenge: response.headers.get('www-authenticate'),
  nonce: response.headers.get('dpop-nonce'),
  body: (await response.json()) as Record<string, unknown>,
});

/** What the API answered, whether oauth4webapi returned the response or threw on its challenge. */
const settle = async (request: Promise<Response>) => {
  try {
    return await answer(await request);
  } catch (error) {
    if (error instanceof oauth.WWWAuthenticateChallengeError) return answer(error.response);
    throw error;
  }
};

for (const [name, app] of [
  ['koa', koaApp],
  ['express', expressApp],
] as const) {
  describe(`@tessera/verify/${name}: DPoP`, () => {
    test('a request without a token is told both schemes, and the DPoP algorithms', async (t) => {
      const { base } = await setup(t, app);
      const response = await answer(await fetch(`${base}/me`));
      assert.equal(response.status, 401);
      assert.equal(response.challenge, `Bearer ${REALM}, DPoP ${REALM}, ${ALGS}`);
    });

    test("lets oauth4webapi's DPoP client through on the API's public URL", async (t) => {
      const { base, key, token } = await setup(t, app, {}, PUBLIC);
      const client = dpopClient(key, base);
      const response = await settle(client.call(token, 'GET', '/me?verbose=1'));
      assert.deepEqual(response, {
        status: 200,
        challenge: null,
        nonce: null,
        body: { subject: 'cl_billing' },
      });
    });

    test('without publicUrl, checks htu against the URL the request reached', async (t) => {
      const { base, key, token } = await setup(t, app);
      const behindProxy = await settle(dpopClient(key, base).call(token, 'GET', '/me'));
      assert.equal(behindProxy.status, 401);
      assert.equal(
        behindProxy.challenge,
        `DPoP ${REALM}, error="invalid_dpop_proof", error_description="the DPoP proof is for another URL (htu must be ${base}/me)", ${ALGS}`,
      );
      assert.deepEqual(behindProxy.body, {
        error: 'invalid_dpop_proof',
        error_description: `the DPoP proof is for another URL (htu must be ${base}/me)`,
      });
      const direct = await fetch(`${base}/me`, {
        headers: {
          authorization: `DPoP ${token}`,
          dpop: await makeProof(key, { token, htu: `${base}/me`, now: Date.now() }),
        },
      });
      assert.equal(direct.status, 200);
    });

    test('refuses a DPoP-bound token sent as Bearer, a replayed proof and two proofs', async (t) => {
      const { base, key, token } = await setup(t, app);
      const asBearer = await answer(
        await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}` } }),
      );
      assert.equal(asBearer.status, 401);
      assert.match(
        asBearer.challenge ?? '',
        /^Bearer realm="[^"]+", error="invalid_token", error_description="the token is bound to a DPoP key[^"]*", DPoP realm="[^"]+", algs="/,
      );

      const proof = await makeProof(key, { token, htu: `${base}/me`, now: Date.now() });
      const send = (dpop: string) =>
        fetch(`${base}/me`, { headers: { authorization: `DPoP ${token}`, dpop } });
      assert.equal((await send(proof)).status, 200);
      const replayed = await answer(await send(proof));
      assert.equal(replayed.status, 401);
      assert.match(
        replayed.challenge ?? '',
        /^DPoP realm="[^"]+", error="invalid_dpop_proof", error_description="the DPoP proof was already used/,
      );

      const headers = new Headers({ authorization: `DPoP ${token}` });
      headers.append('dpop', await makeProof(key, { token, htu: `${base}/me`, now: Date.now() }));
      headers.append('dpop', await makeProof(key, { token, htu: `${base}/me`, now: Date.now() }));
      const twice = await answer(await fetch(`${base}/me`, { headers }));
      assert.equal(twice.body.error_description, 'the request has more than one DPoP header');
    });

    test('answers insufficient_scope in the DPoP scheme to a DPoP request', async (t) => {
      const { base, key, token } = await setup(t, app, {}, PUBLIC);
      const response = await settle(dpopClient(key, base).call(token, 'POST', '/groups'));
      assert.equal(response.status, 403);
      assert.equal(
        response.challenge,
        `DPoP ${REALM}, error="insufficient_scope", error_description="the token needs the scope groups:read-write", scope="groups:read-write", ${ALGS}`,
      );
    });

    test('asks for a nonce with use_dpop_nonce and DPoP-Nonce, and oauth4webapi retries with it', async (t) => {
      const nonces = createDPoPNonces();
      const { base, key, token } = await setup(t, app, { dpop: { nonce: nonces } }, PUBLIC);
      const client = dpopClient(key, base);
      const first = await client.call(token, 'GET', '/me').then(
        () => assert.fail('expected a use_dpop_nonce challenge'),
        (error: unknown) => error,
      );
      assert.equal(oauth.isDPoPNonceError(first), true);
      const refused = await answer((first as oauth.WWWAuthenticateChallengeError).response);
      assert.equal(refused.status, 401);
      assert.equal(refused.nonce, await nonces.current());
      assert.match(
        refused.challenge ?? '',
        /^DPoP realm="[^"]+", error="use_dpop_nonce", error_description="[^"]+", algs=/,
      );
      // The handle kept the nonce: the retry carries it and passes.
      const retried = await settle(client.call(token, 'GET', '/me'));
      assert.equal(retried.status, 200);
    });

    test('with requireDPoP, challenges with DPoP only and refuses unbound tokens', async (t) => {
      const { base, unbound } = await setup(t, app, { requireDPoP: true });
      const none = await answer(await fetch(`${base}/me`));
      assert.equal(none.challenge, `DPoP ${REALM}, ${ALGS}`);
      assert.match(String(none.body.error_description), /DPoP-bound token/);
      const bearer = await answer(
        await fetch(`${base}/me`, { headers: { authorization: `Bearer ${unbound}` } }),
      );
      assert.equal(
        bearer.challenge,
        `DPoP ${REALM}, error="invalid_token", error_description="this API accepts DPoP-bound tokens only", ${ALGS}`,
      );
    });
  });
}

test('requireToken refuses a publicUrl that is not an absolute http(s) URL', () => {
  const verifier = createVerifier({ issuer: 'https://auth.example.test', audience: AUDIENCE });
  for (const publicUrl of ['api.example.test', 'ftp://api.example.test']) {
    assert.throws(() => koaMiddleware.requireToken(verifier, { publicUrl }), /publicUrl/);
    assert.throws(() => expressMiddleware.requireToken(verifier, { publicUrl }), /publicUrl/);
  }
});

test('resource_metadata (RFC 9728) is named in both challenges, and a DPoP refusal keeps its DPoP-Nonce', async (t) => {
  const issuer = await startFakeIssuer(t);
  const nonces = createDPoPNonces();
  const verifier = createVerifier({ issuer: issuer.issuer, audience: AUDIENCE, dpop: { nonce: nonces } });
  const resourceMetadata = `${PUBLIC}/.well-known/oauth-protected-resource`;
  const koa = new Koa();
  koa.use(koaMiddleware.requireToken(verifier, { resourceMetadata }));
  koa.use((ctx) => {
    ctx.body = { ok: true };
  });
  const api = express();
  api.use(expressMiddleware.requireToken(verifier, { resourceMetadata }));
  const key = await clientKey();
  const token = await issuer.sign({ now: Date.now(), claims: { cnf: { jkt: key.jkt } } });
  for (const base of [await serve(t, createServer(koa.callback())), await serve(t, createServer(api))]) {
    const none = await answer(await fetch(`${base}/me`));
    const named = `resource_metadata="${resourceMetadata}"`;
    assert.equal(none.challenge, `Bearer ${REALM}, ${named}, DPoP ${REALM}, ${ALGS}, ${named}`);
    const dpop = await makeProof(key, { token, htu: `${base}/me`, now: Date.now() });
    const refused = await answer(
      await fetch(`${base}/me`, { headers: { authorization: `DPoP ${token}`, dpop } }),
    );
    assert.equal(refused.nonce, await nonces.current());
    assert.match(
      refused.challenge ?? '',
      /^DPoP realm="[^"]+", error="use_dpop_nonce", .*algs="[^"]+", resource_metadata="/,
    );
  }
});
