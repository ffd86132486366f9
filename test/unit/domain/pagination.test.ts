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
});
