import { invalidInput } from '../errors.ts';

/**
 * Lists are cursor-paginated, by one rule everywhere (the management API's `limit`, the services
 * behind it): a page holds 1 to 100 items, 20 unless asked, and a limit outside that range is
 * refused, never clamped.
 */
export const PAGE_LIMIT = { min: 1, max: 100, default: 20 } as const;

export const PAGE_LIMIT_RULE = `must be a whole number from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}`;

export const pageLimit = (limit: number | undefined): number => {
  const value = limit ?? PAGE_LIMIT.default;
  if (!Number.isSafeInteger(value) || value < PAGE_LIMIT.min || value > PAGE_LIMIT.max) {
    throw invalidInput(`limit ${PAGE_LIMIT_RULE}`, 'limit');
  }
  return value;
};

/** Opaque keyset cursors: base64url JSON of the last row's sort key. */
export const encodeCursor = (key: Record<string, string>): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

/** What a cursor this API made holds: a few short printable values (an ISO instant, an id). */
const CURSOR_VALUE = /^[\x21-\x7E]{1,128}$/;

/**
 * The sort key inside a cursor this API returned. Anything else — not base64url JSON, not an
 * object of short printable strings, or a value `valid` refuses — is the caller's mistake, named
 * as `field`, and never reaches a query.
 */
export const decodeCursor = (
  cursor: string,
  field: string,
  valid: (key: Record<string, string>) => boolean = () => true,
): Record<string, string> => {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.values(value).every((member) => typeof member === 'string' && CURSOR_VALUE.test(member)) &&
      valid(value as Record<string, string>)
    )
      return value as Record<string, string>;
  } catch {
    // fall through to the error below
  }
  throw invalidInput(`${field} is not a cursor this API returned`, field);
};
