import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiFailureView, problemDetails } from '../../../../src/http/console/api-failure-view.ts';
import { type TokenPage, tokenListView } from '../../../../src/http/console/token-collection-pages.ts';
import type { ApiReply } from '../../../../src/http/console/management-api-client.ts';

const refused: ApiReply<TokenPage> = {
  ok: false,
  status: 400,
  problem: {
    status: 400,
    detail: 'The request parameters have a problem.',
    errors: [{ parameter: 'cursor', detail: 'is not a cursor of this list' }],
  },
};

const list = (reply: ApiReply<TokenPage>, state: 'active' | 'revoked' = 'active') =>
  tokenListView({
    pagePath: '/console/tokens',
    state,
    list: reply,
    caption: 'Your personal access tokens',
    resourceTokens: false,
    noActiveTokens: 'You have no active personal access tokens.',
  }).html;

describe('a list the management API refused', () => {
  test('shows the problem and a way to the first page, never "you have none"', () => {
    const markup = list(refused, 'revoked');
    assert.match(markup, /role="alert"/);
    assert.match(markup, /The tokens could not be listed/);
    assert.match(markup, /The request parameters have a problem\./);
    assert.match(markup, /<li>cursor: is not a cursor of this list<\/li>/);
    assert.match(markup, /href="\/console\/tokens\?state=revoked">Show the first page<\/a>/);
    assert.doesNotMatch(markup, /You have no|No revoked tokens|<table/);
  });

  test('an empty list that the API did answer still says so', () => {
    const markup = list({ ok: true, status: 200, body: { data: [], next_cursor: null } });
    assert.match(markup, /You have no active personal access tokens\./);
    assert.doesNotMatch(markup, /role="alert"/);
  });

  test('the next page link carries the cursor encoded', () => {
    const markup = list({ ok: true, status: 200, body: { data: [], next_cursor: 'a+b/c=' } });
    assert.match(markup, /href="\/console\/tokens\?state=active&amp;cursor=a%2Bb%2Fc%3D">Next page/);
  });

  test('an error that only repeats the detail, or names its parameter itself, is not said twice', () => {
    assert.deepEqual(
      problemDetails({
        status: 400,
        detail: 'cursor is not a cursor this API returned',
        errors: [{ parameter: 'cursor', detail: 'cursor is not a cursor this API returned' }],
      }),
      ['cursor is not a cursor this API returned'],
    );
    assert.deepEqual(
      problemDetails({
        status: 400,
        detail: 'The request has 2 problems.',
        errors: [
          { parameter: 'limit', detail: 'limit must be 1–100' },
          { pointer: '/name', detail: 'is required' },
        ],
      }),
      ['The request has 2 problems.', 'limit must be 1–100', 'name: is required'],
    );
  });

  test('a problem without detail still says what the API answered, and its text is escaped', () => {
    assert.deepEqual(problemDetails({ status: 422 }), ['The management API answered 422.']);
    const markup = apiFailureView({
      title: 'Your resources could not be listed',
      problem: {
        status: 400,
        detail: '<script>alert(1)</script>',
        errors: [{ detail: '<script>alert(1)</script>' }],
      },
      back: { href: '/console/tokens', label: 'Back to your access tokens' },
    }).html;
    assert.doesNotMatch(markup, /<script>/);
    assert.equal(
      markup.match(/&lt;script&gt;/g)?.length,
      1,
      'an error repeating the detail is not listed twice',
    );
    assert.match(markup, /href="\/console\/tokens">Back to your access tokens/);
  });
});
