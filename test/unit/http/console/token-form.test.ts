import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  emptyTokenForm,
  formErrorsFromProblem,
  readTokenForm,
  tokenRequestBody,
} from '../../../../src/http/console/token-form.ts';

const form = (entries: [string, string][]) => readTokenForm(new URLSearchParams(entries));

describe('the add-token form', () => {
  test('turns a preset, a date or "no expiration" into the API body', () => {
    const values = form([
      ['name', '  deploy  '],
      ['expiry', '60'],
      ['scopes', 'groups:read-only'],
      ['scopes', 'tokens:read'],
    ]);
    assert.deepEqual(tokenRequestBody(values, { withRole: false, neverAllowed: true }), {
      body: { name: 'deploy', scopes: ['groups:read-only', 'tokens:read'], expires_in_days: 60 },
    });
    assert.deepEqual(
      tokenRequestBody(
        { ...values, expiry: 'date', date: '2030-01-31', role: 'developer' },
        { withRole: true, neverAllowed: true },
      ),
      {
        body: {
          name: 'deploy',
          scopes: ['groups:read-only', 'tokens:read'],
          role: 'developer',
          expires_at: '2030-01-31',
        },
      },
    );
    assert.deepEqual(
      tokenRequestBody({ ...values, expiry: 'never' }, { withRole: false, neverAllowed: true }),
      {
        body: { name: 'deploy', scopes: ['groups:read-only', 'tokens:read'] },
      },
    );
  });

  test('names what is missing before asking the API', () => {
    assert.deepEqual(
      tokenRequestBody({ ...emptyTokenForm(), expiry: 'date' }, { withRole: true, neverAllowed: true }),
      {
        errors: {
          name: 'Give the token a name.',
          scopes: 'Choose at least one scope.',
          role: 'Choose a role.',
          expiry: 'Choose the date the token expires.',
        },
      },
    );
    assert.deepEqual(
      tokenRequestBody(
        { ...emptyTokenForm(), name: 'x', scopes: ['tokens:read'], expiry: 'never' },
        { withRole: false, neverAllowed: false },
      ),
      { errors: { expiry: 'Tokens must expire here: choose a number of days or a date.' } },
    );
    assert.deepEqual(
      tokenRequestBody(
        { ...emptyTokenForm(), name: 'x', scopes: ['tokens:read'], expiry: '12' },
        { withRole: false, neverAllowed: true },
      ),
      { errors: { expiry: 'Choose when the token expires.' } },
    );
  });

  test("puts the API's problems next to the fields they name", () => {
    assert.deepEqual(
      formErrorsFromProblem({
        status: 400,
        detail: 'see errors',
        errors: [
          { pointer: '/expires_at', detail: 'expires_at must be a date in the future' },
          { pointer: '/scopes/1', detail: 'the owner does not hold admin' },
          { pointer: '/name', detail: 'an active token named "ci" already exists' },
        ],
      }),
      {
        expiry: 'Must be a date in the future.',
        scopes: 'The owner does not hold admin.',
        name: 'An active token named "ci" already exists.',
      },
    );
    assert.deepEqual(formErrorsFromProblem({ status: 403, detail: 'you cannot do that' }), {
      form: 'You cannot do that.',
    });
  });
});
