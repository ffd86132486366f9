import type { ProblemItem } from '../../errors.ts';
import { unstorableReason } from '../../storage/query-guard.ts';
import { jsonPointer, type InputPart } from '../problems/problem-items.ts';

/** Deeper than any body the API declares; a deeper one fails its schema anyway. */
const MAX_DEPTH = 32;

/**
 * Every string in a request's parameters or body (member names too) that no record could hold —
 * a NUL character, or invalid UTF-8 decoded to an unpaired surrogate — each named the way the
 * client wrote it. Checked before the route's schema, so such text gets its own precise 400
 * whatever else the schema would say, and never reaches the domain.
 */
export const unstorableInput = (
  value: unknown,
  part: InputPart,
  path: (string | number)[] = [],
): ProblemItem[] => {
  const itemAt = (at: (string | number)[], detail: string): ProblemItem =>
    part === 'body' ? { pointer: jsonPointer(at), detail } : { parameter: String(at[0] ?? ''), detail };
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason ? [itemAt(path, reason)] : [];
  }
  if (value === null || typeof value !== 'object' || path.length >= MAX_DEPTH) return [];
  return Object.entries(value).flatMap(([name, member]) => {
    const at = [...path, Array.isArray(value) ? Number(name) : name];
    const reason = unstorableReason(name);
    // A parameter's name is shown as the parameter; a body member's name by the pointer to it.
    if (reason) return [itemAt(at, `has a name that ${reason}`)];
    return unstorableInput(member, part, at);
  });
};

const decode = (component: string): string | undefined => {
  try {
    return decodeURIComponent(component.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
};

/**
 * Query parameters whose percent-encoding is broken or is not UTF-8 (`%FF`, `%ED%A0%80`, a lone
 * `%`). The query parser would quietly read them as U+FFFD; the client meant something else, so
 * each is a 400 naming the parameter.
 */
export const undecodableParameters = (querystring: string): ProblemItem[] =>
  querystring
    .split('&')
    .filter((pair) => pair !== '')
    .flatMap((pair) => {
      const at = pair.indexOf('=');
      const name = at < 0 ? pair : pair.slice(0, at);
      const value = at < 0 ? '' : pair.slice(at + 1);
      if (decode(name) !== undefined && decode(value) !== undefined) return [];
      return [{ parameter: decode(name) ?? name, detail: 'is not percent-encoded UTF-8' }];
    });
