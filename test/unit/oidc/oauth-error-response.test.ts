import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import Koa from 'koa';
import { AppError, DEFAULT_RETRY_AFTER_SECONDS, invalidInput } from '../../../src/errors.ts';
import { oauthErrorBoundary, toOAuthError } from '../../../src/oidc/oauth-error-response.ts';

describe('the OAuth error renderer', () => {
  test('answers an unavailable dependency with 503 temporarily_unavailable and Retry-After', () => {
    const outage = new AppError('storage_unavailable', 'connect ECONNREFUSED 10.1.2.3:6379', {
      retryAfterSeconds: 3,
    });
    const rendered = toOAuthError(outage);
    assert.equal(rendered.status, 503);
    assert.deepEqual(rendered.headers, { 'Retry-After': '3' });
    assert.equal(rendered.body.error, 'temporarily_unavailable');
    assert.doesNotMatch(rendered.body.error_description, /ECONNREFUSED|10\.1\.2\.3/);
  });

  test('answers a bug with 500 server_error and says nothing from inside', () => {
    const rendered = toOAuthError(new TypeError('cannot read pepper at /srv/tessera/src/x.ts:1'));
    assert.equal(rendered.status, 500);
    assert.deepEqual(rendered.body, {
      error: 'server_error',
      error_description: 'Something went wrong on our side.',
    });
    assert.deepEqual(rendered.headers, {});
  });

  test('names a client error as RFC 6749 does, with the error’s own headers', () => {
    assert.deepEqual(toOAuthError(invalidInput('client is not authorized to revoke the presented token')), {
      status: 400,
      headers: {},
      body: {
        error: 'invalid_request',
        error_description: 'client is not authorized to revoke the presented token',
      },
    });
    const unauthenticated = new AppError('unauthorized', 'no client authentication mechanism provided', {
      headers: { 'WWW-Authenticate': 'Basic realm="https://id.example.test"' },
    });
    assert.deepEqual(toOAuthError(unauthenticated), {
      status: 401,
      headers: { 'WWW-Authenticate': 'Basic realm="https://id.example.test"' },
      body: { error: 'invalid_client', error_description: 'no client authentication mechanism provided' },
    });
  });

  test('turns what escapes the middleware it wraps into an OAuth JSON answer; an outage is not reported per request', async () => {
    const reported: unknown[] = [];
    const outage = new AppError('storage_unavailable', 'PostgreSQL is unreachable');
    const app = new Koa();
    app.use(oauthErrorBoundary((error) => reported.push(error)));
    app.use(() => {
      throw outage;
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, {
        method: 'POST',
      });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), String(DEFAULT_RETRY_AFTER_SECONDS));
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(((await response.json()) as { error: string }).error, 'temporarily_unavailable');
      // The store's connection state change is logged once (storage); this request adds nothing.
      assert.deepEqual(reported, []);
    } finally {
      server.close();
    }
  });
  test('reports a bug to onServerError and answers a bare server_error', async () => {
    const reported: unknown[] = [];
    const bug = new TypeError('cannot read properties of undefined');
    const app = new Koa();
    app.use(oauthErrorBoundary((error) => reported.push(error)));
    app.use(() => {
      throw bug;
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, {
        method: 'POST',
      });
      assert.equal(response.status, 500);
      const body = (await response.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'server_error');
      assert.doesNotMatch(body.error_description, /cannot read/);
      assert.deepEqual(reported, [bug]);
    } finally {
      server.close();
    }
  });
});
