import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveExpiry } from '../../../src/domain/access-tokens/expiry.ts';
import {
  parsePersonalTokenRequest,
  parseResourceTokenRequest,
} from '../../../src/domain/access-tokens/token-request.ts';
import { AppError, type FieldProblem } from '../../../src/errors.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 86_400_000;
const rules = { now: () => NOW };
const base = { name: 'ci', scopes: ['tokens:read'] };

/** The problems a call throws, sorted by field, or fails the test. */
const problemsOf = (run: () => unknown): FieldProblem[] => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'invalid_input');
    assert.ok(error.fields);
    return [...error.fields].sort((a, b) => (a.field ?? '').localeCompare(b.field ?? ''));
  }
  assert.fail('expected the request to be refused');
};

describe('a token request (the rules the CLI and /v1 share)', () => {
  test('reports every problem at once, each without naming its own field', () => {
    assert.deepEqual(
      problemsOf(() =>
        parsePersonalTokenRequest(
          { name: ' ', scopes: ['ok', 'bad scope'], expiresInDays: 0, audience: 'orders' },
          rules,
        ),
      ),
      [
        { field: 'audience', detail: 'must be a list of API identifiers' },
        { field: 'expiresInDays', detail: 'must be 1 or more' },
        { field: 'name', detail: 'must not be empty' },
        {
          field: 'scopes.1',
          detail: 'must be a scope token (RFC 6749 §3.3): no spaces, quotes or backslashes',
        },
      ],
    );
  });

  test('caps days and dates at 100 years, and says so without "NaN" for a non-number', () => {
    assert.deepEqual(
      problemsOf(() => parsePersonalTokenRequest({ ...base, expiresInDays: 100_000 }, rules)),
      [{ field: 'expiresInDays', detail: 'exceeds the maximum token lifetime of 36500 days (100 years)' }],
    );
    assert.deepEqual(
      problemsOf(() => parsePersonalTokenRequest({ ...base, expiresAt: '9999-12-31' }, rules)),
      [
        {
          field: 'expiresAt',
          detail:
            'exceeds the maximum token lifetime of 36500 days (100 years): the last date allowed is 2126-05-08',
        },
      ],
    );
    assert.deepEqual(
      problemsOf(() => parsePersonalTokenRequest({ ...base, expiresInDays: Number.NaN }, rules)),
      [{ field: 'expiresInDays', detail: 'must be a whole number of days' }],
    );
    assert.equal(parsePersonalTokenRequest({ ...base, expiresInDays: 36_500 }, rules).expiresInDays, 36_500);
  });

  test("names the operator's policy, and requires an expiry under it", () => {
    const policy = { ...rules, maxLifetimeDays: 90 };
    const exceeded =
      "exceeds this server's maximum token lifetime of 90 days (TESSERA_TOKEN_MAX_LIFETIME_DAYS)";
    assert.deepEqual(
      problemsOf(() => parsePersonalTokenRequest({ ...base, expiresInDays: 91 }, policy)),
      [{ field: 'expiresInDays', detail: exceeded }],
    );
    assert.deepEqual(
      problemsOf(() => parsePersonalTokenRequest({ ...base, expiresAt: '2026-09-01' }, policy)),
      [{ field: 'expiresAt', detail: `${exceeded}: the last date allowed is 2026-08-30` }],
    );
    assert.ok(parsePersonalTokenRequest({ ...base, expiresAt: '2026-08-30' }, policy));
    assert.deepEqual(
      problemsOf(() => parsePersonalTokenRequest(base, policy)),
      [
        {
          detail:
            'tokens on this server must expire within 90 days (TESSERA_TOKEN_MAX_LIFETIME_DAYS): give {expiresAt} or {expiresInDays}',
        },
      ],
    );
  });

  test('refuses both expiry fields together, naming the other one as a reference', () => {
    assert.deepEqual(
      problemsOf(() =>
        parseResourceTokenRequest(
          { ...base, role: 'developer', expiresAt: '2027-01-01', expiresInDays: 3 },
          rules,
        ),
      ),
      [
        { field: 'expiresAt', detail: 'cannot be combined with {expiresInDays}' },
        { field: 'expiresInDays', detail: 'cannot be combined with {expiresAt}' },
      ],
    );
  });

  test('refuses past and impossible dates', () => {
    assert.deepEqual(
      problemsOf(() => parsePersonalTokenRequest({ ...base, expiresAt: '2026-05-31' }, rules)),
      [{ field: 'expiresAt', detail: 'must be a date in the future' }],
    );
    assert.deepEqual(
      problemsOf(() => parsePersonalTokenRequest({ ...base, expiresAt: '2027-02-29' }, rules)),
      [{ field: 'expiresAt', detail: 'must be a calendar date, YYYY-MM-DD' }],
    );
    // Today is still allowed: the token lasts to its end.
    assert.ok(parsePersonalTokenRequest({ ...base, expiresAt: '2026-06-01' }, rules));
  });
});

describe('a token made with another token', () => {
  // A 30-day PAT made a minute ago; its `exp` (seconds) loses the milliseconds.
  const parentExpiry = new Date(Math.floor((NOW.getTime() - 60_000 + 30 * DAY) / 1000) * 1000);

  // Capped a second before the parent's `exp`, which is rounded up to the second.
  const capped = new Date(parentExpiry.getTime() - 1000);

  test('may ask for as many days as the parent has started, and then expires with the parent', () => {
    assert.deepEqual(resolveExpiry({ expiresInDays: 30 }, { now: NOW, ceiling: parentExpiry }), capped);
    assert.deepEqual(
      resolveExpiry({ expiresInDays: 29 }, { now: NOW, ceiling: parentExpiry }),
      new Date(NOW.getTime() + 29 * DAY),
    );
    const lastDay = parentExpiry.toISOString().slice(0, 10);
    assert.deepEqual(resolveExpiry({ expiresAt: lastDay }, { now: NOW, ceiling: parentExpiry }), capped);
  });

  test('cannot outlive it: the refusal names the field that was sent, or none when expiry was left out', () => {
    assert.deepEqual(
      problemsOf(() => resolveExpiry({ expiresInDays: 31 }, { now: NOW, ceiling: parentExpiry })),
      [
        {
          field: 'expiresInDays',
          detail: `is longer than the token you are using, which expires ${parentExpiry.toISOString()} (a token cannot outlive its parent)`,
        },
      ],
    );
    assert.deepEqual(
      problemsOf(() => resolveExpiry({ expiresAt: '2026-07-02' }, { now: NOW, ceiling: parentExpiry })),
      [
        {
          field: 'expiresAt',
          detail: `is later than the token you are using, which expires ${parentExpiry.toISOString()} (a token cannot outlive its parent)`,
        },
      ],
    );
    const [neither] = problemsOf(() => resolveExpiry({}, { now: NOW, ceiling: parentExpiry }));
    assert.equal(neither?.field, undefined);
    assert.match(
      neither?.detail ?? '',
      /^a token created with another token cannot outlive it: give \{expiresAt\} or \{expiresInDays\}/,
    );
  });

  test('is unbounded when the parent never expires', () => {
    assert.equal(resolveExpiry({}, { now: NOW, ceiling: null }), null);
  });
});
