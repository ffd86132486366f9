import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  clientFormView,
  EMPTY_CLIENT_FORM,
  fieldProblems,
  readClientForm,
} from '../../../../src/http/console/client-form-view.ts';

describe('the console: the Register a client form', () => {
  test('reads redirect URIs one per line, drops blank lines and repeated scopes', () => {
    const form = new URLSearchParams([
      ['name', 'Shop'],
      ['type', 'web'],
      ['grant_types', 'authorization_code'],
      ['redirect_uris', ' https://a.example.test/cb \r\n\r\nhttps://b.example.test/cb\n'],
      ['resources', 'https://api.example.test'],
      ['scopes', 'read'],
      ['scopes', 'read'],
    ]);
    const { body, values } = readClientForm(form);
    assert.deepEqual(body, {
      name: 'Shop',
      type: 'web',
      grant_types: ['authorization_code'],
      redirect_uris: ['https://a.example.test/cb', 'https://b.example.test/cb'],
      resources: ['https://api.example.test'],
      scopes: ['read'],
      dpop_bound_access_tokens: false,
    });
    assert.equal(values.redirectUris, form.get('redirect_uris'), 'the form shows what was typed');
    assert.equal('redirect_uris' in readClientForm(new URLSearchParams('type=service')).body, false);
  });

  test("puts /v1's problems next to the member they point at, the others above the form", () => {
    const problem = {
      status: 400,
      detail: 'The request body has a problem.',
      errors: [
        { pointer: '/redirect_uris/0', detail: '"javascript:alert(1)" must use https' },
        { pointer: '/post_logout_redirect_uris', detail: 'is not offered here' },
      ],
    };
    const { byField, general } = fieldProblems(problem);
    assert.deepEqual(byField, { redirect_uris: ['"javascript:alert(1)" must use https'] });
    assert.deepEqual(general, ['is not offered here']);
    const page = clientFormView({
      action: '/console/clients',
      csrfToken: 'c',
      values: EMPTY_CLIENT_FORM,
      apis: [],
      problem,
    }).html;
    assert.match(page, /id="client-redirect_uris-error">&quot;javascript:alert\(1\)&quot; must use https</);
    assert.match(
      page,
      /aria-describedby="client-redirect-uris-hint client-redirect_uris-error" aria-invalid="true"/,
    );
  });
});
