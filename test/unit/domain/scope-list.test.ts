import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isScopeToken, parseScopeList } from '../../../src/domain/scopes/scope-list.ts';

describe('scope tokens', () => {
  test('accepts printable ASCII scope tokens', () => {
    for (const token of ['read', 'orders:write', 'https://api.test/orders.read', '!#[]~', 'a']) {
      assert.equal(isScopeToken(token), true, token);
    }
  });

  test('rejects empty tokens, spaces, double quotes, backslashes, controls and non-ASCII', () => {
    for (const token of [
      '',
      'read write',
      'say"hi"',
      'back\\slash',
      'tab\there',
      'nl\n',
      'del\x7f',
      'café',
    ]) {
      assert.equal(isScopeToken(token), false, JSON.stringify(token));
    }
  });
});

describe('parsing a scope list', () => {
  test('splits on spaces, commas and other whitespace', () => {
    assert.deepEqual(parseScopeList('read write,admin\tdelete\nlist'), [
      'read',
      'write',
      'admin',
      'delete',
      'list',
    ]);
  });

  test('drops empty entries from repeated or surrounding separators', () => {
    assert.deepEqual(parseScopeList('  read,, ,write  '), ['read', 'write']);
    assert.deepEqual(parseScopeList(''), []);
    assert.deepEqual(parseScopeList(' , '), []);
  });

  test('removes duplicates, keeping the first-seen order', () => {
    assert.deepEqual(parseScopeList('write read write admin read'), ['write', 'read', 'admin']);
  });

  test('keeps tokens that are not valid scopes for the validator to reject', () => {
    assert.deepEqual(parseScopeList('ok "quoted"'), ['ok', '"quoted"']);
  });
});
