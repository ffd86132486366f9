import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPolicy } from '../../../../src/domain/permissions/policy.ts';
import { emptyTokenForm } from '../../../../src/http/console/token-form.ts';
import { type TokenFormView, tokenFormView } from '../../../../src/http/console/token-form-view.ts';

const view = (overrides: Partial<TokenFormView> = {}): string =>
  tokenFormView({
    action: '/console/tokens',
    csrfToken: 'csrf-token',
    values: emptyTokenForm(),
    errors: {},
    policy: createPolicy(),
    offered: new Set(['groups:read-only', 'tokens:read']),
    maxLifetimeDays: undefined,
    now: new Date('2030-01-10T12:00:00Z'),
    ...overrides,
  }).html;

const options = (markup: string) => [...markup.matchAll(/<option value="([^"]+)"/g)].map((match) => match[1]);

describe('the add-token form as HTML', () => {
  test('offers every preset, a date and "no expiration" when the server sets no maximum lifetime', () => {
    const markup = view();
    assert.deepEqual(options(markup), ['7', '30', '60', '90', '180', '365', 'date', 'never']);
    assert.match(markup, /<option value="30"\s+selected>30 days \(9 Feb 2030\)<\/option>/);
    assert.match(markup, /type="date"[^>]*min="2030-01-11"/);
  });

  test('offers only what a maximum lifetime allows, and bounds the date picker', () => {
    const markup = view({ maxLifetimeDays: 90 });
    assert.deepEqual(options(markup), ['7', '30', '60', '90', 'date']);
    assert.match(markup, /max="2030-04-10"/);
    assert.match(markup, /at most 90 days/);
  });

  test('lists only the offered scopes, grouped, each with what it grants', () => {
    const markup = view();
    assert.deepEqual(
      [...markup.matchAll(/name="scopes"\s+value="([^"]+)"/g)].map((match) => match[1]),
      ['groups:read-only', 'tokens:read'],
    );
    assert.match(markup, /<legend>Groups<\/legend>/);
    assert.match(markup, /Read groups you have access to\./);
    assert.doesNotMatch(markup, /<legend>Instances<\/legend>/);
  });

  test('ties an error to its field and focuses the first one', () => {
    const markup = view({ errors: { name: 'Give the token a name.', scopes: 'Choose at least one scope.' } });
    assert.match(
      markup,
      /id="token-name"[^>]*aria-describedby="token-name-hint token-name-error" aria-invalid="true" autofocus/,
    );
    assert.match(markup, /<p class="field-error" id="token-name-error">Give the token a name\.<\/p>/);
    assert.match(markup, /<p class="field-error" id="token-scopes-error">Choose at least one scope\.<\/p>/);
    assert.equal(markup.match(/autofocus/g)?.length, 1);
  });
});
