import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ResolvedAccessToken } from '../../../src/domain/access-tokens/access-token-resolver.ts';
import type { TokenEntry } from '../../../src/storage/token-entries/contract.ts';
import { exchangedClaims, exchangedScopes } from '../../../src/oidc/grants/token-exchange.ts';

const API_SCOPES = ['groups:read-only', 'groups:read-write', 'applications:read-only'];
const EFFECTIVE = ['groups:read-only', 'groups:read-write', 'instances:read-only'];

const invalidScope = (scope: string) => (error: unknown) => {
  const { error: code, scope: named } = error as { error?: string; scope?: string };
  assert.equal(code, 'invalid_scope');
  assert.equal(named, scope);
  return true;
};

describe('the scopes of an exchanged token', () => {
  test('default to everything the subject token may do that the API defines', () => {
    assert.deepEqual(exchangedScopes(undefined, EFFECTIVE, API_SCOPES), [
      'groups:read-only',
      'groups:read-write',
    ]);
  });

  test('are the requested ones when the subject token may do all of them', () => {
    assert.deepEqual(exchangedScopes('groups:read-only', EFFECTIVE, API_SCOPES), ['groups:read-only']);
    assert.deepEqual(exchangedScopes('groups:read-only  groups:read-only', EFFECTIVE, API_SCOPES), [
      'groups:read-only',
    ]);
  });

  test('refuse a scope beyond the subject token, and one the API does not define, naming them', () => {
    assert.throws(
      () => exchangedScopes('groups:read-only applications:read-only', EFFECTIVE, API_SCOPES),
      invalidScope('applications:read-only'),
    );
    assert.throws(
      () => exchangedScopes('instances:read-only', EFFECTIVE, API_SCOPES),
      invalidScope('instances:read-only'),
    );
  });

  test('refuse to make a token that may do nothing', () => {
    assert.throws(() => exchangedScopes(undefined, ['instances:read-only'], API_SCOPES), invalidScope(''));
    assert.throws(() => exchangedScopes('', EFFECTIVE, API_SCOPES), invalidScope(''));
  });
});

describe('the claims of an exchanged token', () => {
  const entry = (overrides: Partial<TokenEntry>): TokenEntry => ({
    id: 'tok_1',
    kind: 'personal',
    sub: 'usr_1',
    scopes: ['groups:read-write'],
    aud: [],
    iat: 1_000,
    exp: null,
    ...overrides,
  });
  const claims = (resolved: ResolvedAccessToken) =>
    exchangedClaims({
      issuer: 'https://auth.test',
      clientId: 'cl_gateway',
      audience: 'https://api.test',
      resolved,
      scopes: ['groups:read-only'],
      iat: 2_000,
      exp: 2_900,
      jti: 'jti-1',
    });

  test('speak for the PAT owner, name the exchanging client and the PAT', () => {
    const resolved = { entry: entry({}), effectiveScopes: [], subject: undefined as never };
    assert.deepEqual(claims(resolved), {
      iss: 'https://auth.test',
      sub: 'usr_1',
      aud: 'https://api.test',
      client_id: 'cl_gateway',
      scope: 'groups:read-only',
      iat: 2_000,
      exp: 2_900,
      jti: 'jti-1',
      token_id: 'tok_1',
      token_kind: 'personal',
    });
  });

  test("speak for the RAT's bot, with its resource and its current role", () => {
    const resolved = {
      entry: entry({ id: 'tok_2', kind: 'resource', sub: 'bot_1', res: { type: 'groups', id: '42' } }),
      effectiveScopes: [],
      subject: undefined as never,
      role: 'developer',
    };
    assert.deepEqual(claims(resolved), {
      iss: 'https://auth.test',
      sub: 'bot_1',
      aud: 'https://api.test',
      client_id: 'cl_gateway',
      scope: 'groups:read-only',
      iat: 2_000,
      exp: 2_900,
      jti: 'jti-1',
      token_id: 'tok_2',
      token_kind: 'resource',
      resource: { type: 'groups', id: '42' },
      role: 'developer',
    });
  });
});
