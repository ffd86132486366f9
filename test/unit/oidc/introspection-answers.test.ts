import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ResolvedAccessToken } from '../../../src/domain/access-tokens/access-token-resolver.ts';
import { MANAGEMENT_API } from '../../../src/domain/api-resources/management-api.ts';
import { accessTokenViewFor } from '../../../src/oidc/configuration/token-policies.ts';
import {
  accessTokenAnswer,
  type ClientCredentialsToken,
  clientCredentialsAnswer,
  jwtAnswer,
} from '../../../src/oidc/introspection-answers.ts';
import type { AccessTokenClaims } from '../../../src/oidc/jwt-access-tokens.ts';

const ISSUER = 'https://id.example.test';
const ORDERS = 'https://api.test/orders';
const BILLING = 'https://api.test/billing';

const resolved = (aud: string[], extra: Partial<ResolvedAccessToken> = {}): ResolvedAccessToken =>
  ({
    entry: {
      id: 'tok_1',
      kind: 'personal',
      sub: 'usr_1',
      scopes: ['groups:read-only'],
      aud,
      iat: 100,
      exp: 200,
    },
    effectiveScopes: ['groups:read-only'],
    ...extra,
  }) as ResolvedAccessToken;

describe('introspection answers', () => {
  test('a client credentials token: the library’s members in its order, then sub = the client', () => {
    const token = {
      clientId: 'cl_billing',
      exp: 200,
      iat: 100,
      aud: ORDERS,
      scope: 'orders:read',
      tokenType: 'Bearer',
    } as ClientCredentialsToken;
    assert.equal(
      JSON.stringify(clientCredentialsAnswer(token, ISSUER)),
      JSON.stringify({
        active: true,
        client_id: 'cl_billing',
        exp: 200,
        iat: 100,
        iss: ISSUER,
        aud: ORDERS,
        scope: 'orders:read',
        token_type: 'Bearer',
        sub: 'cl_billing',
      }),
    );
  });

  test('a sender-constrained client credentials token says what it is bound to', () => {
    const token = {
      clientId: 'cl_billing',
      aud: ORDERS,
      tokenType: 'DPoP',
      jkt: 'thumb',
    } as ClientCredentialsToken;
    assert.deepEqual(clientCredentialsAnswer(token, ISSUER).cnf, { jkt: 'thumb' });
  });

  test('a JWT: its claims as signed, active, with one audience as a string', () => {
    const claims = {
      iss: ISSUER,
      sub: 'cl_billing',
      aud: [ORDERS],
      jti: 'j1',
      client_id: 'cl_billing',
      exp: 200,
    };
    assert.deepEqual(jwtAnswer(claims as AccessTokenClaims), {
      ...claims,
      aud: ORDERS,
      active: true,
      token_type: 'Bearer',
    });
    const several = jwtAnswer({ ...claims, aud: [ORDERS, BILLING] } as AccessTokenClaims);
    assert.deepEqual(several.aud, [ORDERS, BILLING]);
  });

  test('a DPoP-bound JWT: its cnf as signed, and token_type DPoP (RFC 9449 §6.2)', () => {
    const claims = {
      iss: ISSUER,
      sub: 'cl_billing',
      aud: ORDERS,
      jti: 'j2',
      client_id: 'cl_billing',
      exp: 200,
      cnf: { jkt: 'thumb' },
    };
    assert.deepEqual(jwtAnswer(claims as AccessTokenClaims), {
      ...claims,
      active: true,
      token_type: 'DPoP',
    });
  });

  test('a PAT: one audience is a string, several an array, restricted or not', () => {
    const scopes = ['groups:read-only'];
    assert.equal(accessTokenAnswer(resolved([ORDERS]), { audience: [ORDERS], scopes }).aud, ORDERS);
    assert.equal(accessTokenAnswer(resolved([]), { audience: [ORDERS], scopes }).aud, ORDERS);
    assert.deepEqual(
      accessTokenAnswer(resolved([ORDERS, BILLING]), { audience: [ORDERS, BILLING], scopes }).aud,
      [ORDERS, BILLING],
    );
  });

  test('a RAT names its resource and role; a token that never expires has no exp', () => {
    const rat = resolved([], { role: 'developer' });
    rat.entry.kind = 'resource';
    rat.entry.res = { type: 'groups', id: '42' };
    rat.entry.exp = null;
    assert.deepEqual(accessTokenAnswer(rat, { audience: [ORDERS], scopes: ['groups:read-only'] }), {
      active: true,
      sub: 'usr_1',
      scope: 'groups:read-only',
      token_type: 'Bearer',
      iat: 100,
      aud: ORDERS,
      token_id: 'tok_1',
      token_kind: 'resource',
      resource: { type: 'groups', id: '42' },
      role: 'developer',
    });
  });
});

describe('what a resource server is told of a PAT or RAT', () => {
  const READ = ['groups:read-only'];
  const WITH_MANAGEMENT = ['groups:read-only', 'tokens:write', 'admin'];

  test('a restricted token: only to its audiences’ resource servers, each told only its own audiences', () => {
    assert.deepEqual(accessTokenViewFor([ORDERS, BILLING], READ, [ORDERS]), {
      audience: [ORDERS],
      scopes: READ,
    });
    assert.deepEqual(accessTokenViewFor([ORDERS, BILLING], READ, [BILLING, ORDERS]), {
      audience: [ORDERS, BILLING],
      scopes: READ,
    });
    assert.equal(accessTokenViewFor([BILLING], READ, [ORDERS]), undefined);
  });

  test('an unrestricted token: the APIs the resource server represents', () => {
    assert.deepEqual(accessTokenViewFor([], READ, [ORDERS, BILLING]), {
      audience: [ORDERS, BILLING],
      scopes: READ,
    });
    assert.equal(accessTokenViewFor([], READ, []), undefined);
  });

  test('management scopes are shown to the management API only', () => {
    assert.deepEqual(accessTokenViewFor([], WITH_MANAGEMENT, [ORDERS]), { audience: [ORDERS], scopes: READ });
    assert.deepEqual(accessTokenViewFor([ORDERS, MANAGEMENT_API], WITH_MANAGEMENT, [ORDERS]), {
      audience: [ORDERS],
      scopes: READ,
    });
    assert.deepEqual(accessTokenViewFor([], WITH_MANAGEMENT, [MANAGEMENT_API]), {
      audience: [MANAGEMENT_API],
      scopes: WITH_MANAGEMENT,
    });
  });

  test('a token with no scope meant for the resource server is not shown to it', () => {
    assert.equal(accessTokenViewFor([], ['tokens:write'], [ORDERS]), undefined);
    assert.equal(accessTokenViewFor([ORDERS], [], [ORDERS]), undefined);
  });
});
