/**
 * Scope values as RFC 6749 §3.3 defines them: space-delimited tokens of printable ASCII other than
 * space, double quote and backslash. On the command line we also accept commas as separators.
 */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const isScopeToken = (value: string): boolean => SCOPE_TOKEN.test(value);

/** Splits "a b,c" into unique tokens, keeping their first-seen order. */
export const parseScopeList = (value: string): string[] => [
  ...new Set(value.split(/[\s,]+/).filter((token) => token.length > 0)),
];
