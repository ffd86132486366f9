import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import express, { type ErrorRequestHandler } from 'express';
import { principalOf, requireScope, requireToken } from '../../../src/verify/express.ts';
import { call, REALM, serve, tableVerifier, TOKENS } from './middleware-support.ts';

const app = async (t: TestContext) => {
  const verifier = tableVerifier();
  const api = express();
  api.get('/me', requireToken(verifier), (req, res) => {
    res.json({ subject: principalOf(req).subject, onRequest: req.principal?.subject });
  });
  api.get('/groups', requireToken(verifier), requireScope('groups:read-only'), (_req, res) => {
    res.json({ ok: true });
  });
  api.post('/groups', requireToken(verifier), requireScope('groups:read-write'), (_req, res) => {
    res.json({ ok: true });
  });
  api.get(
    '/groups/:group/applications/:id',
    requireToken(verifier),
    requireScope('applications:read-only', {
      resource: (req) => ({
        type: 'applications',
        id: req.params.id!,
        ancestors: [{ type: 'groups', id: req.params.group! }],
      }),
    }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  api.get('/forgot-require-token', requireScope('groups:read-only'), (_req, res) => {
    res.json({ ok: true });
  });
  const quietErrors: ErrorRequestHandler = (_error, _req, res, _next) => {
    res.status(500).json({ error: 'server_error' });
  };
  api.use(quietErrors);
  return serve(t, createServer(api));
};

describe('tessera/verify/express', () => {
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
    assert.equal(refused.body?.error, 'invalid_token');
    const malformed = await call(base, '/me', 'Bearer two tokens');
    assert.equal(malformed.status, 401);
    assert.match(malformed.challenge ?? '', /error="invalid_token"/);
  });

  test('lets a valid token through and puts its principal on req.principal', async (t) => {
    const base = await app(t);
    const response = await call(base, '/me', `Bearer ${TOKENS.reader}`);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { subject: 'cl_billing', onRequest: 'cl_billing' });
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
    assert.equal(
      (
        await fetch(`${base}/groups`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKENS.writer}` },
        })
      ).status,
      200,
    );
  });

  test('lets a resource access token act on its resource and below, and nowhere else', async (t) => {
    const base = await app(t);
    assert.equal((await call(base, '/groups/42/applications/7', `Bearer ${TOKENS.rat}`)).status, 200);
    const elsewhere = await call(base, '/groups/43/applications/7', `Bearer ${TOKENS.rat}`);
    assert.equal(elsewhere.status, 403);
    assert.match(elsewhere.challenge ?? '', /error="insufficient_scope"/);
    assert.equal((await call(base, '/groups', `Bearer ${TOKENS.rat}`)).status, 403);
  });

  test('answers 503 when the token cannot be checked right now', async (t) => {
    const base = await app(t);
    const response = await call(base, '/me', `Bearer ${TOKENS.down}`);
    assert.equal(response.status, 503);
    assert.equal(response.challenge, null);
    assert.equal(response.body?.error, 'temporarily_unavailable');
  });

  test('tells onError why it refused', async (t) => {
    const seen: string[] = [];
    const api = express();
    api.use(requireToken(tableVerifier(), { onError: (error) => seen.push(error.code) }));
    api.use((_req, res) => {
      res.json({ ok: true });
    });
    const base = await serve(t, createServer(api));
    await call(base, '/', `Bearer ${TOKENS.down}`);
    await call(base, '/', 'Bearer nope');
    assert.deepEqual(seen, ['temporarily_unavailable', 'invalid_token']);
  });

  test('works as application-wide middleware too', async (t) => {
    const api = express();
    api.use(requireToken(tableVerifier()), requireScope('groups:read-only'));
    api.use((req, res) => {
      res.json({ subject: principalOf(req).subject });
    });
    const base = await serve(t, createServer(api));
    assert.equal((await call(base, '/anything')).status, 401);
    assert.deepEqual((await call(base, '/anything', `Bearer ${TOKENS.reader}`)).body, {
      subject: 'cl_billing',
    });
  });

  test('passes an error to express when requireScope runs without requireToken', async (t) => {
    const base = await app(t);
    assert.equal((await call(base, '/forgot-require-token', `Bearer ${TOKENS.writer}`)).status, 500);
  });
});
