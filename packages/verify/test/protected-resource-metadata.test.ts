import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import {
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
} from '@modelcontextprotocol/sdk/client/auth.js';
import express from 'express';
import Koa from 'koa';
import * as expressMiddleware from '../src/express.ts';
import {
  protectedResourceMetadata,
  protectedResourceMetadataPath,
  protectedResourceMetadataUrl,
} from '../src/index.ts';
import { withChallengeAttributes } from '../src/protected-resource-metadata.ts';
import * as koaMiddleware from '../src/koa.ts';
import { serve, tableVerifier, TOKENS } from './middleware-support.ts';

/**
 * RFC 9728: the protected resource metadata document, where it is served (§3.1), and the
 * `resource_metadata` attribute of the middleware's challenges (§5.1) — read back with the MCP
 * SDK's own client code, since MCP clients are who discovers Tessera this way.
 */
const RESOURCE = 'https://api.example.test/mcp';
const ISSUER = 'https://auth.example.test';

describe('protectedResourceMetadata', () => {
  test('fills the document from the verifier and the options, leaving out what is unset', () => {
    const document = protectedResourceMetadata({
      verifier: { issuer: ISSUER, audience: RESOURCE },
      scopesSupported: ['tools:call', 'tools:read'],
      resourceName: 'Example MCP server',
      dpopSigningAlgValuesSupported: ['ES256'],
    });
    assert.deepEqual(document, {
      resource: RESOURCE,
      authorization_servers: [ISSUER],
      scopes_supported: ['tools:call', 'tools:read'],
      bearer_methods_supported: ['header'],
      resource_name: 'Example MCP server',
      dpop_signing_alg_values_supported: ['ES256'],
    });
    assert.ok(Object.isFrozen(document));
  });

  test('explicit resource and authorization servers win over the verifier', () => {
    const document = protectedResourceMetadata({
      verifier: { issuer: ISSUER, audience: 'https://other.example.test' },
      resource: RESOURCE,
      authorizationServers: ['https://a.example.test', 'https://b.example.test/tenant'],
      resourceDocumentation: 'https://api.example.test/docs',
      dpopBoundAccessTokensRequired: true,
    });
    assert.equal(document.resource, RESOURCE);
    assert.deepEqual(document.authorization_servers, [
      'https://a.example.test',
      'https://b.example.test/tenant',
    ]);
    assert.equal(document.resource_documentation, 'https://api.example.test/docs');
    assert.equal(document.dpop_bound_access_tokens_required, true);
  });

  test('refuses bad options with a TypeError naming the option', () => {
    const cases: [Parameters<typeof protectedResourceMetadata>[0], RegExp][] = [
      [{ authorizationServers: [ISSUER] }, /resource/],
      [{ resource: 'urn:example:api', authorizationServers: [ISSUER] }, /resource .*http\(s\) URL/],
      [{ resource: `${RESOURCE}#top`, authorizationServers: [ISSUER] }, /fragment/],
      [{ resource: RESOURCE }, /authorizationServers/],
      [{ resource: RESOURCE, authorizationServers: [] }, /authorizationServers/],
      [{ resource: RESOURCE, authorizationServers: ['not a url'] }, /authorizationServers/],
      [{ resource: RESOURCE, authorizationServers: [ISSUER], scopesSupported: ['a b'] }, /scopesSupported/],
      [{ resource: RESOURCE, authorizationServers: [ISSUER], resourceName: ' ' }, /resourceName/],
      [
        { resource: RESOURCE, authorizationServers: [ISSUER], resourceTosUri: 'javascript:alert(1)' },
        /resourceTosUri/,
      ],
    ];
    for (const [options, message] of cases)
      assert.throws(
        () => protectedResourceMetadata(options),
        { name: 'TypeError', message },
        String(message),
      );
  });

  test('places the well-known segment between the host and the path (§3.1)', () => {
    const cases: [string, string][] = [
      ['https://api.example.test', '/.well-known/oauth-protected-resource'],
      ['https://api.example.test/', '/.well-known/oauth-protected-resource'],
      ['https://api.example.test/mcp', '/.well-known/oauth-protected-resource/mcp'],
      ['https://api.example.test/v1/mcp/', '/.well-known/oauth-protected-resource/v1/mcp/'],
      ['https://api.example.test/mcp?tenant=7', '/.well-known/oauth-protected-resource/mcp?tenant=7'],
    ];
    for (const [resource, path] of cases)
      assert.equal(protectedResourceMetadataPath(resource), path, resource);
    assert.equal(
      protectedResourceMetadataUrl('http://127.0.0.1:8080/mcp'),
      'http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp',
    );
  });
});

test('resource_metadata is added to every challenge of an answer, Bearer and DPoP alike', () => {
  const attributes = {
    resource_metadata: 'https://api.example.test/.well-known/oauth-protected-resource/mcp',
  };
  const answer = (header: string) => ({ status: 401, headers: { 'www-authenticate': header } });
  // An error_description that looks like the start of another challenge is inside quotes: left alone.
  const header =
    'Bearer realm="api", error="invalid_token", error_description="bad, DPoP algs=x", DPoP realm="api", algs="ES256 EdDSA"';
  assert.equal(
    withChallengeAttributes(answer(header), attributes).headers['www-authenticate'],
    'Bearer realm="api", error="invalid_token", error_description="bad, DPoP algs=x", resource_metadata="https://api.example.test/.well-known/oauth-protected-resource/mcp", ' +
      'DPoP realm="api", algs="ES256 EdDSA", resource_metadata="https://api.example.test/.well-known/oauth-protected-resource/mcp"',
  );
  assert.equal(
    withChallengeAttributes(answer('Bearer realm="api"'), attributes).headers['www-authenticate'],
    'Bearer realm="api", resource_metadata="https://api.example.test/.well-known/oauth-protected-resource/mcp"',
  );
  // A 503 has no challenge; without attributes nothing changes.
  const unavailable = { status: 503, headers: { 'retry-after': '5' } };
  assert.equal(withChallengeAttributes(unavailable, attributes), unavailable);
  assert.equal(
    withChallengeAttributes(answer('Bearer realm="api"'), {}).headers['www-authenticate'],
    'Bearer realm="api"',
  );
});

type Framework = 'koa' | 'express';

/** The same app in either framework: the metadata, then requireToken, then a scoped route. */
const startApp = async (t: TestContext, framework: Framework, atRoot?: boolean): Promise<string> => {
  const verifier = tableVerifier();
  // Served where the test listens: the resource is this server's /mcp.
  const server = createServer();
  const base = await serve(t, server);
  const metadata = protectedResourceMetadata({
    verifier,
    resource: `${base}/mcp`,
    scopesSupported: ['groups:read-only', 'groups:read-write'],
  });
  const options = atRoot === undefined ? {} : { atRoot };
  if (framework === 'koa') {
    const app = new Koa();
    app.use(koaMiddleware.serveProtectedResourceMetadata(metadata, options));
    app.use(koaMiddleware.requireToken(verifier, { resourceMetadata: metadata }));
    app.use(koaMiddleware.requireScope('groups:read-write'));
    app.use((ctx) => {
      ctx.body = { ok: true };
    });
    server.on('request', app.callback());
  } else {
    const app = express();
    app.use(expressMiddleware.serveProtectedResourceMetadata(metadata, options));
    app.use(expressMiddleware.requireToken(verifier, { resourceMetadata: metadata }));
    app.use(expressMiddleware.requireScope('groups:read-write'));
    app.use((_req, res) => {
      res.json({ ok: true });
    });
    server.on('request', app);
  }
  return base;
};

for (const framework of ['koa', 'express'] as const) {
  describe(`serveProtectedResourceMetadata (${framework})`, () => {
    test('serves the document at the path-suffixed and the bare well-known paths', async (t) => {
      const base = await startApp(t, framework);
      for (const path of [
        '/.well-known/oauth-protected-resource/mcp',
        '/.well-known/oauth-protected-resource',
      ]) {
        const response = await fetch(`${base}${path}`);
        assert.equal(response.status, 200, path);
        assert.match(String(response.headers.get('content-type')), /^application\/json/);
        assert.equal(response.headers.get('access-control-allow-origin'), '*');
        assert.deepEqual(await response.json(), {
          resource: `${base}/mcp`,
          authorization_servers: [ISSUER],
          scopes_supported: ['groups:read-only', 'groups:read-write'],
          bearer_methods_supported: ['header'],
        });
      }
      const head = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      const preflight = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`, {
        method: 'OPTIONS',
      });
      assert.equal(preflight.status, 204);
      assert.match(String(preflight.headers.get('access-control-allow-methods')), /GET/);
      const post = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`, { method: 'POST' });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS');
      await post.body?.cancel();
    });

    test('other paths, and the bare path with atRoot: false, go on to requireToken', async (t) => {
      const base = await startApp(t, framework, false);
      for (const path of [
        '/.well-known/oauth-protected-resource',
        '/.well-known/oauth-protected-resource/other',
      ]) {
        const response = await fetch(`${base}${path}`);
        assert.equal(response.status, 401, path);
        await response.body?.cancel();
      }
      assert.equal((await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).status, 200);
    });

    test('every challenge names the metadata; the MCP SDK reads it and discovers the document', async (t) => {
      const base = await startApp(t, framework);
      const expected = `${base}/.well-known/oauth-protected-resource/mcp`;
      const cases: [string | undefined, number, string | undefined][] = [
        [undefined, 401, undefined],
        ['Bearer unknown-token', 401, 'invalid_token'],
        [`Bearer ${TOKENS.reader}`, 403, 'insufficient_scope'],
      ];
      for (const [authorization, status, error] of cases) {
        const response = await fetch(`${base}/mcp`, { headers: authorization ? { authorization } : {} });
        assert.equal(response.status, status, String(authorization));
        const challenge = String(response.headers.get('www-authenticate'));
        assert.match(challenge, new RegExp(`resource_metadata="${expected}"`), challenge);
        const params = extractWWWAuthenticateParams(response);
        assert.equal(params.resourceMetadataUrl?.href, expected);
        assert.equal(params.error, error);
        // insufficient_scope says which scope would do (RFC 6750 §3.1), for step-up authorization.
        assert.equal(params.scope, error === 'insufficient_scope' ? 'groups:read-write' : undefined);
        await response.body?.cancel();
        const discovered = await discoverOAuthProtectedResourceMetadata(`${base}/mcp`, {
          resourceMetadataUrl: params.resourceMetadataUrl,
        });
        assert.equal(discovered.resource, `${base}/mcp`);
        assert.deepEqual(discovered.authorization_servers, [ISSUER]);
      }
      assert.equal(
        (await fetch(`${base}/mcp`, { headers: { authorization: `Bearer ${TOKENS.writer}` } })).status,
        200,
      );
    });
  });
}

test('resourceMetadata may be given as a URL; without it the challenges are as before', async (t) => {
  const verifier = tableVerifier();
  const app = new Koa();
  app.use(async (ctx, next) => {
    const option = ctx.path === '/with' ? { resourceMetadata: 'https://api.example.test/.well-known/x' } : {};
    await koaMiddleware.requireToken(verifier, option)(ctx, next);
  });
  const base = await serve(t, createServer(app.callback()));
  const withUrl = await fetch(`${base}/with`);
  assert.match(
    String(withUrl.headers.get('www-authenticate')),
    /resource_metadata="https:\/\/api\.example\.test\/\.well-known\/x"/,
  );
  const without = await fetch(`${base}/without`);
  assert.doesNotMatch(String(without.headers.get('www-authenticate')), /resource_metadata/);
  assert.throws(
    () => koaMiddleware.requireToken(verifier, { resourceMetadata: 'not a url' }),
    /resourceMetadata/,
  );
});
