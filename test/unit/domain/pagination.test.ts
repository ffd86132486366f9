import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../src/errors.ts';
import { decodeCursor, encodeCursor, pageLimit } from '../../../src/domain/pagination.ts';

describe('the paging rule', () => {
  test('takes a whole number from 1 to 100, and 20 when none is asked', () => {
    assert.equal(pageLimit(undefined), 20);
    assert.equal(pageLimit(1), 1);
    assert.equal(pageLimit(100), 100);
  });

  test('refuses a limit outside the range rather than clamping it, naming the field', () => {
    for (const limit of [0, 101, 5000, -3, 2.5, Number.NaN]) {
      assert.throws(
        () => pageLimit(limit),
        (error) =>
          error instanceof AppError &&
          error.code === 'invalid_input' &&
          error.field === 'limit' &&
          error.message === 'limit must be a whole number from 1 to 100',
        String(limit),
      );
    }
  });

  test('reads back the cursors it makes, and refuses anything else', () => {
    assert.deepEqual(decodeCursor(encodeCursor({ id: 'evt_1' }), 'cursor'), { id: 'evt_1' });
    assert.throws(() => decodeCursor('bm9wZQ', 'cursor'), { code: 'invalid_input', field: 'cursor' });
  });

  test('refuses a cursor whose values are not short printable strings, or that its list refuses', () => {
    const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const onlyDigits = (key: Record<string, string>) => /^\d+$/.test(key.id ?? '');
    for (const cursor of [
      encoded({ id: 'a\u0000b' }),
      encoded({ id: '\ud800' }),
      encoded({ id: 7 }),
      encoded({ id: { nested: 'x' } }),
      encoded({ id: 'x'.repeat(500) }),
      encoded(['7']),
      encoded('7'),
      encoded(null),
      '%%%',
      '',
    ]) {
      assert.throws(() => decodeCursor(cursor, 'cursor'), { code: 'invalid_input', field: 'cursor' }, cursor);
    }
    assert.throws(() => decodeCursor(encoded({ id: 'abc' }), 'cursor', onlyDigits), {
      code: 'invalid_input',
      field: 'cursor',
    });
    assert.deepEqual(decodeCursor(encoded({ id: '42' }), 'cursor', onlyDigits), { id: '42' });
  });
});
