import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import { createClientInput } from '../../../src/domain/clients/client.ts';
import {
  CLIENT_SECRET_HASH_PURPOSE,
  matchesClientSecret,
} from '../../../src/domain/clients/client-secret.ts';
import { redirectUriProblem } from '../../../src/domain/clients/redirect-uri.ts';
import { refreshTokenTtl } from '../../../src/oidc/configuration/refresh-token-lifetimes.ts';

/** The rules an application's registration, secret and refresh tokens live by. */
describe('redirect URIs', () => {
  test('https is fine for every application type', () => {
    for (const owner of ['web', 'spa', 'native'] as const)
      assert.equal(redirectUriProblem('https://app.example.test/callback?x=1', owner), undefined);
  });

  test('refuses what could steal a code, for every type', () => {
    const hostile = [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html;base64,PHNjcmlwdD4=',
      'vbscript:msgbox',
      'file:///etc/passwd',
      'blob:https://app.example.test/1',
      'https://app.example.test/cb#x',
      'https://app.example.test/cb#',
      'https://evil@app.example.test/cb',
      'https://app.example.test/c b',
      'https://app.example.test/cb\n',
      'https:///cb',
      '//app.example.test/cb',
      'cb',
      `https://app.example.test/${'a'.repeat(2000)}`,
    ];
    for (const owner of ['web', 'spa', 'native'] as const)
      for (const uri of hostile) assert.ok(redirectUriProblem(uri, owner), `${owner} ${uri}`);
  });

  test('http only on a loopback IP literal, and only for native apps', () => {
    assert.equal(redirectUriProblem('http://127.0.0.1:49152/cb', 'native'), undefined);
    assert.equal(redirectUriProblem('http://[::1]/cb', 'native'), undefined);
    for (const uri of ['http://localhost/cb', 'http://app.example.test/cb', 'http://127.0.0.1.evil.test/cb'])
      assert.ok(redirectUriProblem(uri, 'native'), uri);
    for (const owner of ['web', 'spa'] as const)
      assert.match(String(redirectUriProblem('http://127.0.0.1/cb', owner)), /must use https/);
    assert.ok(redirectUriProblem('https://127.0.0.1/cb', 'native'), 'a claimed https URI on the loopback');
  });

  test('private-use schemes only in reverse-domain form, only for native apps', () => {
    assert.equal(redirectUriProblem('com.example.app:/callback', 'native'), undefined);
    assert.ok(redirectUriProblem('myapp:/callback', 'native'));
    assert.ok(redirectUriProblem('com.example.app:/callback', 'web'));
  });
});

describe('application registration rules', () => {
  const base = { name: 'App', grantTypes: ['authorization_code', 'refresh_token'] as const };
  const fields = (input: object) => {
    const result = createClientInput.safeParse(input);
    return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
  };

  test('an application needs a redirect URI and authorization_code', () => {
    assert.deepEqual(fields({ ...base, type: 'web', redirectUris: [] }), ['redirectUris']);
    assert.deepEqual(
      fields({
        name: 'App',
        type: 'spa',
        grantTypes: ['refresh_token'],
        redirectUris: ['https://a.test/cb'],
      }),
      ['grantTypes', 'grantTypes'],
    );
  });

  test('a service cannot sign people in', () => {
    assert.deepEqual(fields({ ...base, type: 'service', redirectUris: [] }), ['grantTypes']);
  });

  test('a public client cannot use grants that need a secret, nor introspect', () => {
    assert.deepEqual(
      fields({
        name: 'SPA',
        type: 'spa',
        grantTypes: ['authorization_code', 'client_credentials'],
        redirectUris: ['https://a.test/cb'],
        resources: ['https://api.test'],
        introspects: ['https://api.test'],
      }),
      ['grantTypes', 'introspects'],
    );
  });

  test('refresh-token lifetimes need the refresh_token grant, and idle no longer than absolute', () => {
    assert.deepEqual(
      fields({
        ...base,
        type: 'web',
        redirectUris: ['https://a.test/cb'],
        refreshTokenAbsoluteTtl: 3600,
        refreshTokenIdleTtl: 7200,
      }),
      ['refreshTokenIdleTtl'],
    );
    assert.deepEqual(
      fields({
        name: 'App',
        type: 'web',
        grantTypes: ['authorization_code'],
        redirectUris: ['https://a.test/cb'],
        refreshTokenAbsoluteTtl: 3600,
      }),
      ['refreshTokenAbsoluteTtl'],
    );
  });
});

describe('client secrets across a rotation', () => {
  const hash = createPepperHash('a-test-pepper-that-is-long-enough-for-tessera', CLIENT_SECRET_HASH_PURPOSE);
  const now = Date.parse('2026-01-01T00:00:00Z');
  const client = {
    secretHash: hash.digest('new-secret'),
    previousSecretHash: hash.digest('old-secret'),
    previousSecretExpiresAt: new Date(now + 60_000),
  };

  test('the new secret and, until its end date, the old one', () => {
    assert.equal(matchesClientSecret(client, 'new-secret', hash, now), true);
    assert.equal(matchesClientSecret(client, 'old-secret', hash, now), true);
    assert.equal(matchesClientSecret(client, 'old-secret', hash, now + 60_000), false, 'not at its end');
    assert.equal(matchesClientSecret(client, 'new-secret', hash, now + 60_000), true);
    assert.equal(matchesClientSecret(client, 'other', hash, now), false);
    assert.equal(
      matchesClientSecret({ ...client, previousSecretExpiresAt: null }, 'old-secret', hash, now),
      false,
    );
  });
});

describe('refresh-token lifetimes', () => {
  const start = 1_000_000;

  test('idle lifetime per token, never beyond the absolute lifetime of the family', () => {
    const lifetimes = { absolute: 86_400, idle: 3_600 };
    assert.equal(refreshTokenTtl(lifetimes, {}, start), 3_600);
    assert.equal(refreshTokenTtl(lifetimes, { iiat: start }, start + 84_000), 2_400);
    assert.equal(
      refreshTokenTtl(lifetimes, { iiat: start }, start + 90_000),
      1,
      'past the end: gone at once',
    );
  });

  test('the defaults: 14 days, idle as long as absolute', () => {
    assert.equal(refreshTokenTtl({ absolute: null, idle: null }, {}, start), 14 * 86_400);
    assert.equal(refreshTokenTtl({ absolute: 600, idle: null }, { iiat: start }, start + 100), 500);
  });
});
