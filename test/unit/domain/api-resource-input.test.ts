import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createApiResourceInput,
  DEFAULT_ACCESS_TOKEN_TTL,
  MAX_ACCESS_TOKEN_TTL,
} from '../../../src/domain/api-resources/api-resource.ts';
import { parseInput } from '../../../src/domain/validation.ts';
import { AppError } from '../../../src/errors.ts';

const VALID = { identifier: 'https://api.test/orders', name: 'Orders API' };

/** The field and message of the first problem with `input`; fails when the input is accepted. */
const problem = (input: Record<string, unknown>): { field: string | undefined; message: string } => {
  try {
    parseInput(createApiResourceInput, input);
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'invalid_input');
    assert.equal(error.status, 400);
    return { field: error.field, message: error.message };
  }
  assert.fail(`accepted ${JSON.stringify(input)}`);
};

const accepts = (input: Record<string, unknown>) => createApiResourceInput.safeParse(input).success;

describe('API resource input', () => {
  test('fills in the defaults', () => {
    assert.deepEqual(createApiResourceInput.parse(VALID), {
      identifier: 'https://api.test/orders',
      name: 'Orders API',
      format: 'jwt',
      accessTokenTtl: DEFAULT_ACCESS_TOKEN_TTL,
      scopes: [],
      signingAlg: 'ES256',
    });
    assert.equal(DEFAULT_ACCESS_TOKEN_TTL, 3600);
  });

  test('keeps every value it is given', () => {
    const input = {
      identifier: 'urn:tessera:billing',
      name: 'Billing',
      format: 'opaque',
      accessTokenTtl: 300,
      scopes: ['invoices:read', 'invoices:write'],
      signingAlg: 'EdDSA',
    };
    assert.deepEqual(createApiResourceInput.parse(input), input);
  });

  test('accepts absolute URIs of any scheme as identifiers', () => {
    for (const identifier of ['https://api.test', 'http://localhost:8080/v1', 'urn:example:orders']) {
      assert.equal(accepts({ ...VALID, identifier }), true, identifier);
    }
  });

  test('rejects an identifier that is not an absolute URI', () => {
    for (const identifier of ['orders', '/orders', '//api.test/orders', '', 'https://api test']) {
      const { field, message } = problem({ ...VALID, identifier });
      assert.equal(field, 'identifier', identifier);
      assert.match(message, /^identifier must be an absolute URI without a fragment \(RFC 8707\)$/);
    }
  });

  test('rejects an identifier with a fragment, even an empty one', () => {
    assert.equal(problem({ ...VALID, identifier: 'https://api.test/orders#v1' }).field, 'identifier');
    assert.equal(problem({ ...VALID, identifier: 'https://api.test/orders#' }).field, 'identifier');
  });

  test('trims the name and rejects an empty one', () => {
    assert.equal(createApiResourceInput.parse({ ...VALID, name: '  Orders  ' }).name, 'Orders');
    for (const name of ['', '   ']) {
      const { field, message } = problem({ ...VALID, name });
      assert.equal(field, 'name');
      assert.match(message, /must not be empty/);
    }
  });

  test('limits the name to 100 characters', () => {
    assert.equal(accepts({ ...VALID, name: 'n'.repeat(100) }), true);
    const { field, message } = problem({ ...VALID, name: 'n'.repeat(101) });
    assert.equal(field, 'name');
    assert.match(message, /at most 100 characters/);
  });

  test('rejects control characters inside the name', () => {
    for (const name of ['Orders\nAPI', 'Orders\u0000', 'Or\u001bders', 'Orders\u007fAPI', 'a\tb']) {
      const { field, message } = problem({ ...VALID, name });
      assert.equal(field, 'name', JSON.stringify(name));
      assert.match(message, /control characters/);
    }
  });

  test('accepts a ttl between 1 second and one day', () => {
    assert.equal(MAX_ACCESS_TOKEN_TTL, 86_400);
    assert.equal(accepts({ ...VALID, accessTokenTtl: 1 }), true);
    assert.equal(accepts({ ...VALID, accessTokenTtl: MAX_ACCESS_TOKEN_TTL }), true);
  });

  test('rejects a ttl outside its bounds or not a whole number of seconds', () => {
    const cases: [unknown, RegExp][] = [
      [0, /at least 1 second/],
      [-5, /at least 1 second/],
      [MAX_ACCESS_TOKEN_TTL + 1, /at most 86400 seconds/],
      [1.5, /whole number/],
      ['3600', /number of seconds/],
    ];
    for (const [accessTokenTtl, expected] of cases) {
      const { field, message } = problem({ ...VALID, accessTokenTtl });
      assert.equal(field, 'accessTokenTtl', String(accessTokenTtl));
      assert.match(message, expected);
    }
  });

  test('rejects invalid scope tokens, naming the scope list', () => {
    for (const scope of ['', 'read write', 'say"hi', 'back\\slash', 'café']) {
      const { field, message } = problem({ ...VALID, scopes: ['ok', scope] });
      assert.equal(field, 'scopes.1', JSON.stringify(scope));
      assert.match(message, /not a valid scope token/);
    }
  });

  test('allows at most 200 scopes', () => {
    const scopes = Array.from({ length: 201 }, (_, index) => `scope${index}`);
    assert.equal(accepts({ ...VALID, scopes: scopes.slice(0, 200) }), true);
    const { field, message } = problem({ ...VALID, scopes });
    assert.equal(field, 'scopes');
    assert.match(message, /at most 200 scopes/);
  });

  test('rejects an unknown format or signing algorithm', () => {
    assert.deepEqual(problem({ ...VALID, format: 'xml' }), {
      field: 'format',
      message: 'format must be jwt or opaque',
    });
    assert.deepEqual(problem({ ...VALID, signingAlg: 'HS256' }), {
      field: 'signingAlg',
      message: 'signingAlg must be ES256, RS256 or EdDSA',
    });
  });

  test('requires an identifier and a name', () => {
    assert.equal(problem({ name: 'Orders' }).field, 'identifier');
    assert.equal(problem({ identifier: 'https://api.test' }).field, 'name');
  });
});
