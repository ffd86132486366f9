import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistrationRefused, registrationInput } from '../../../src/domain/clients/registration-metadata.ts';

const API = 'https://orders.example.test';
const open = { mode: 'open' as const, resources: [API] };
const gated = { mode: 'initial-access-token' as const, resources: [API] };
const app = { redirect_uris: ['https://app.example.test/cb'], token_endpoint_auth_method: 'none' };

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof RegistrationRefused);
    assert.equal(error.refusal.error, 'invalid_client_metadata');
    return error.refusal.description;
  }
  return assert.fail('the registration was accepted');
};

describe('what a client that registers itself may be', () => {
  test('a public client is an spa, or a native app when it says so', () => {
    assert.deepEqual(registrationInput(app, open), {
      name: 'Registered client',
      type: 'spa',
      grantTypes: ['authorization_code'],
      resources: [API],
      scopes: undefined,
      redirectUris: ['https://app.example.test/cb'],
      postLogoutRedirectUris: [],
      dpopBoundAccessTokens: false,
      confidential: false,
    });
    assert.equal(registrationInput({ ...app, application_type: 'native' }, open).type, 'native');
    assert.equal(
      registrationInput({ ...app, dpop_bound_access_tokens: true }, open).dpopBoundAccessTokens,
      true,
      'RFC 9449 §5.2: a client may ask for DPoP-bound tokens only',
    );
  });

  test('open registration takes public clients only, without client_credentials', () => {
    assert.match(
      refusal(() => registrationInput({ redirect_uris: app.redirect_uris }, open)),
      /only public clients/,
    );
    assert.match(
      refusal(() => registrationInput({ ...app, grant_types: ['client_credentials'] }, open)),
      /client_credentials not allowed/,
    );
    assert.match(
      refusal(() => registrationInput({ ...app, token_endpoint_auth_method: 'private_key_jwt' }, gated)),
      /not supported/,
    );
  });

  test('with an initial access token a confidential service may use client_credentials', () => {
    const input = registrationInput(
      {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
        scope: 'openid a:b',
      },
      gated,
    );
    assert.equal(input.type, 'service');
    assert.equal(input.confidential, true);
    assert.deepEqual(input.scopes, ['a:b'], 'protocol scopes are not API scopes');
  });
});
