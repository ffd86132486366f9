import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import {
  inApiWords,
  jsonPointer,
  problemItemForDomainField,
  problemItemsFromZod,
} from '../../../../src/http/problems/problem-items.ts';

describe('naming the input a problem is about', () => {
  test('escapes ~ and / in JSON pointers as RFC 6901 says', () => {
    assert.equal(jsonPointer([]), '');
    assert.equal(jsonPointer(['scopes', 0]), '/scopes/0');
    assert.equal(jsonPointer(['a/b', 'c~d']), '/a~1b/c~0d');
  });

  test('names each unknown member, nested ones by their full pointer', () => {
    const schema = z.strictObject({ parent: z.strictObject({ id: z.string() }) });
    const result = schema.safeParse({ parent: { id: '1', kind: 'x' }, extra: 1 });
    assert.ok(!result.success);
    assert.deepEqual(
      problemItemsFromZod(result.error, 'body').map((item) => ('pointer' in item ? item.pointer : '')),
      ['/parent/kind', '/extra'],
    );
  });

  test('names a query or path problem by its parameter', () => {
    const result = z
      .strictObject({ limit: z.coerce.number().max(100) })
      .safeParse({ limit: '500', page: '2' });
    assert.ok(!result.success);
    assert.deepEqual(
      problemItemsFromZod(result.error, 'parameters').map((item) =>
        'parameter' in item ? item.parameter : '',
      ),
      ['limit', 'page'],
    );
  });

  test("turns the domain's camelCase field into the API's snake_case pointer", () => {
    const none = new Set<string>();
    assert.deepEqual(problemItemForDomainField('expiresInDays', 'too long', none), {
      pointer: '/expires_in_days',
      detail: 'too long',
    });
    assert.deepEqual(problemItemForDomainField('scopes.1', 'unknown scope', none), {
      pointer: '/scopes/1',
      detail: 'unknown scope',
    });
  });

  test("names a domain field that is one of the route's parameters as that parameter", () => {
    const names = new Set(['type', 'id', 'subjectId', 'target_type']);
    assert.deepEqual(problemItemForDomainField('subjectId', 'no subject', names), {
      parameter: 'subjectId',
      detail: 'no subject',
    });
    assert.deepEqual(problemItemForDomainField('targetType', 'targetType is unknown', names), {
      parameter: 'target_type',
      detail: 'target_type is unknown',
    });
  });

  test('rewords only the named field in a domain message, leaving quoted input alone', () => {
    assert.equal(
      inApiWords('expiresAt must be in the future; got "expiresAtX"', 'expiresAt'),
      'expires_at must be in the future; got "expiresAtX"',
    );
    assert.equal(
      inApiWords('an active token named "myToken" exists', 'name'),
      'an active token named "myToken" exists',
    );
  });
});
