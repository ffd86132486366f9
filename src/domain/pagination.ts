import { invalidInput } from '../errors.ts';

/** Opaque keyset cursors: base64url JSON of the last row's sort key. */
export const encodeCursor = (key: Record<string, string>): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

export const decodeCursor = (cursor: string, field: string): Record<string, string> => {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, string>;
  } catch {
    // fall through to the error below
  }
  throw invalidInput(`${field} is not a cursor this API returned`, field);
};
