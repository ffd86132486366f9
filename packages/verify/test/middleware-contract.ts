import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { TokenOptions } from '../src/bearer-challenge.ts';
import { call, REALM, TOKENS } from './middleware-support.ts';

/**
 * What `@tessera/verify/koa` and `@tessera/verify/express` must both do, written once and run
 * against each. A framework gives two apps, both served on port 0 until the test ends:
 * - `routes`: GET /me answers `{ subject, attached }` (attached: the principal is on the request
 *   where the framework keeps it); GET /groups needs groups:read-only, POST /groups
 *   groups:read-write; GET /groups/:group/applications/:id needs applications:read-only on that
 *   application under that group; GET /forgot-require-token uses requireScope alone.
 * - `appWide`: requireToken (with `options`), then requireScope(`scope`) when given, for every
 *   path, then an answer `{ subject }`.
 */
export type MiddlewareUnderTest = {
  routes(t: TestContext): Promise<string>;
  appWide(t: TestContext, options: { token?: TokenOptions; scope?: string }): Promise<string>;
};

export const describeMiddleware = (name: string, framework: MiddlewareUnderTest): void => {
  describe(name, () => {
    test('answers 401 with a bare challenge when the request has no bearer token', async (t) => {
      const base = await framework.routes(t);
      for (const authorization of [undefined, 'Basic Y2w6c2VjcmV0']) {
        const response = await call(base, '/me', authorization);
        assert.equal(response.status, 401);
        assert.equal(response.challenge, `Bearer ${REALM}`);
      }
    });

    test('answers 401 invalid_token for a token the verifier refuses or a malformed header', async (t) => {
      const base = await framework.routes(t);
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

    test('lets a valid token through and puts its principal on the request', async (t) => {
      const base = await framework.routes(t);
      const response = await call(base, '/me', `Bearer ${TOKENS.reader}`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { subject: 'cl_billing', attached: true });
      // The scheme is case-insensitive (RFC 7235).
      assert.equal((await call(base, '/me', `bearer ${TOKENS.reader}`)).status, 200);
    });

    test('answers 403 insufficient_scope with the scope needed', async (t) => {
      const base = await framework.routes(t);
      assert.equal((await call(base, '/groups', `Bearer ${TOKENS.reader}`)).status, 200);
      const post = (token: string) =>
        fetch(`${base}/groups`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      const response = await post(TOKENS.reader);
      assert.equal(response.status, 403);
      assert.equal(
        response.headers.get('www-authenticate'),
        `Bearer ${REALM}, error="insufficient_scope", error_description="the token needs the scope groups:read-write", scope="groups:read-write"`,
      );
      assert.equal((await post(TOKENS.writer)).status, 200);
    });

    test('lets a resource access token act on its resource and below, and nowhere else', async (t) => {
      const base = await framework.routes(t);
      assert.equal((await call(base, '/groups/42/applications/7', `Bearer ${TOKENS.rat}`)).status, 200);
      const elsewhere = await call(base, '/groups/43/applications/7', `Bearer ${TOKENS.rat}`);
      assert.equal(elsewhere.status, 403);
      assert.match(elsewhere.challenge ?? '', /error="insufficient_scope"/);
      assert.match(elsewhere.challenge ?? '', /not on this resource/);
      // A RAT on a route that names no resource is refused too.
      assert.equal((await call(base, '/groups', `Bearer ${TOKENS.rat}`)).status, 403);
    });

    test('answers 503 with Retry-After when the token cannot be checked right now', async (t) => {
      const base = await framework.routes(t);
      const response = await call(base, '/me', `Bearer ${TOKENS.down}`);
      assert.equal(response.status, 503);
      assert.equal(response.challenge, null);
      assert.equal(response.headers.get('retry-after'), '5');
      assert.equal(response.body?.error, 'temporarily_unavailable');
    });

    test('tells onError why it refused, while the 503 answer stays vague', async (t) => {
      const seen: string[] = [];
      const base = await framework.appWide(t, {
        token: { onError: (error) => seen.push(`${error.code}: ${error.message}`) },
      });
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
      const base = await framework.appWide(t, { scope: 'groups:read-only' });
      assert.equal((await call(base, '/anything')).status, 401);
      assert.deepEqual((await call(base, '/anything', `Bearer ${TOKENS.reader}`)).body, {
        subject: 'cl_billing',
      });
    });

    test('fails the request with a 500 when requireScope runs without requireToken', async (t) => {
      const base = await framework.routes(t);
      assert.equal((await call(base, '/forgot-require-token', `Bearer ${TOKENS.writer}`)).status, 500);
    });
  });
};
