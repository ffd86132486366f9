import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import { Router, type RouterContext } from '@koa/router';
import Koa from 'koa';
import { principalOf, requireScope, requireToken } from '../../../src/verify/koa.ts';
import { call, REALM, serve, tableVerifier, TOKENS } from './middleware-support.ts';

const app = async (t: TestContext) => {
  const verifier = tableVerifier();
  const koa = new Koa();
  const router = new Router();
  router.get('/me', requireToken(verifier), (ctx) => {
    const principal = principalOf(ctx);
    ctx.body = { subject: principal.subject, fromState: ctx.state.principal === principal };
  });
  router.get('/groups', requireToken(verifier), requireScope('groups:read-only'), (ctx) => {
    ctx.body = { ok: true };
  });
  router.post('/groups', requireToken(verifier), requireScope('groups:read-write'), (ctx) => {
    ctx.body = { ok: true };
  });
  router.get(
    '/groups/:group/applications/:id',
    requireToken(verifier),
    requireScope('applications:read-only', {
      resource: (ctx: RouterContext) => ({
        type: 'applications',
        id: ctx.params.id!,
        ancestors: [{ type: 'groups', id: ctx.params.group! }],
      }),
    }),
    (ctx) => {
      ctx.body = { ok: true };
    },
  );
  router.get('/forgot-require-token', requireScope('groups:read-only'), (ctx) => {
    ctx.body = { ok: true };
  });
  koa.silent = true;
  koa.use(router.routes());
  return serve(t, createServer(koa.callback()));
};

describe('tessera/verify/koa', () => {
  test('answers 401 with a bare challenge when the request has no bearer token', async (t) => {
    const base = await app(t);
    for (const authorization of [undefined, 'Basic Y2w6c2VjcmV0']) {
      const response = await call(base, '/me', authorization);
      assert.equal(response.status, 401);
      assert.equal(response.challenge, `Bearer ${REALM}`);
    }
  });

  test('answers 401 invalid_token for a token the verifier refuses or a malformed header', async (t) => {
    const base = await app(t);
    const refused = await call(base, '/me', 'Bearer nope');
    assert.equal(refused.status, 401);
    assert.equal(
      refused.challenge,
      `Bearer ${REALM}, error="invalid_token", error_description="the token is not active (unknown, expired or revoked)"`,
    );
    assert.deepEqual(refused.body, {
      error: 'invalid_token',
      error_description: 'the token is not active (unknown, expired or revoked)',
    });
    const malformed = await call(base, '/me', 'Bearer two tokens');
    assert.equal(malformed.status, 401);
    assert.match(malformed.challenge ?? '', /error="invalid_token"/);
  });

  test('lets a valid token through and puts its principal on ctx.state', async (t) => {
    const base = await app(t);
    const response = await call(base, '/me', `Bearer ${TOKENS.reader}`);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { subject: 'cl_billing', fromState: true });
    // The scheme is case-insensitive (RFC 7235).
    assert.equal((await call(base, '/me', `bearer ${TOKENS.reader}`)).status, 200);
  });

  test('answers 403 insufficient_scope with the scope needed', async (t) => {
    const base = await app(t);
    assert.equal((await call(base, '/groups', `Bearer ${TOKENS.reader}`)).status, 200);
    const response = await fetch(`${base}/groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.reader}` },
    });
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get('www-authenticate'),
      `Bearer ${REALM}, error="insufficient_scope", error_description="the token needs the scope groups:read-write", scope="groups:read-write"`,
    );
    const writer = await fetch(`${base}/groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.writer}` },
    });
    assert.equal(writer.status, 200);
  });

  test('lets a resource access token act on its resource and below, and nowhere else', async (t) => {
    const base = await app(t);
    assert.equal((await call(base, '/groups/42/applications/7', `Bearer ${TOKENS.rat}`)).status, 200);
    const elsewhere = await call(base, '/groups/43/applications/7', `Bearer ${TOKENS.rat}`);
    assert.equal(elsewhere.status, 403);
    assert.match(elsewhere.challenge ?? '', /error="insufficient_scope"/);
    assert.match(elsewhere.challenge ?? '', /not on this resource/);
    // A RAT on a route that names no resource is refused too.
    assert.equal((await call(base, '/groups', `Bearer ${TOKENS.rat}`)).status, 403);
  });

  test('answers 503 when the token cannot be checked right now', async (t) => {
    const base = await app(t);
    const response = await call(base, '/me', `Bearer ${TOKENS.down}`);
    assert.equal(response.status, 503);
    assert.equal(response.challenge, null);
    assert.equal(response.headers.get('retry-after'), '5');
    assert.equal(response.body?.error, 'temporarily_unavailable');
  });

  test('tells onError why it refused, while the 503 answer stays vague', async (t) => {
    const seen: string[] = [];
    const koa = new Koa();
    koa.use(
      requireToken(tableVerifier(), { onError: (error) => seen.push(`${error.code}: ${error.message}`) }),
    );
    koa.use((ctx) => {
      ctx.body = { ok: true };
    });
    const base = await serve(t, createServer(koa.callback()));
    const down = await call(base, '/', `Bearer ${TOKENS.down}`);
    assert.equal(down.body?.error_description, 'the token could not be checked right now; try again');
    await call(base, '/', 'Bearer nope');
    await call(base, '/');
    assert.deepEqual(seen, [
      'temporarily_unavailable: token introspection failed: HTTP 502',
      'invalid_token: the token is not active (unknown, expired or revoked)',
    ]);
  });

  test('works as application-wide middleware too', async (t) => {
    const koa = new Koa();
    koa.use(requireToken(tableVerifier()));
    koa.use(requireScope('groups:read-only'));
    koa.use((ctx) => {
      ctx.body = { subject: principalOf(ctx).subject };
    });
    const base = await serve(t, createServer(koa.callback()));
    assert.equal((await call(base, '/anything')).status, 401);
    assert.deepEqual((await call(base, '/anything', `Bearer ${TOKENS.reader}`)).body, {
      subject: 'cl_billing',
    });
  });

  test('fails loudly when requireScope runs without requireToken', async (t) => {
    const base = await app(t);
    assert.equal((await call(base, '/forgot-require-token', `Bearer ${TOKENS.writer}`)).status, 500);
  });
});
