import type { z } from 'zod';
import type { ProblemItem } from '../../errors.ts';

type Segment = string | number;

/** RFC 6901: `~` and `/` inside a member name are escaped; the whole document is the empty pointer. */
export const jsonPointer = (path: readonly Segment[]): string =>
  path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

/** Body fields are named by a JSON pointer; path and query parameters by their name. */
export type InputPart = 'body' | 'parameters';

const itemAt = (part: InputPart, path: readonly Segment[], detail: string): ProblemItem =>
  part === 'body'
    ? { pointer: jsonPointer(path), detail }
    : { parameter: path.length > 0 ? String(path[0]) : '', detail };

/** zod's wording for a missing member ("expected string, received undefined") says less than this. */
const describeIssue = (issue: z.core.$ZodIssue): string =>
  issue.code === 'invalid_type' && issue.message.endsWith('received undefined')
    ? 'is required'
    : issue.message;

/** Every issue of a failed parse, each naming its field; an unknown member is named itself. */
export const problemItemsFromZod = (error: z.ZodError, part: InputPart): ProblemItem[] =>
  error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) =>
          itemAt(
            part,
            [...issue.path, key] as Segment[],
            part === 'body' ? 'is not a known member' : 'is not a known parameter',
          ),
        )
      : [itemAt(part, issue.path as Segment[], describeIssue(issue))],
  );

const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * A domain error names its field the domain's way (`expiresInDays`, `scopes.0`); the API names it
 * the way the client wrote it (`/expires_in_days`, `/scopes/0`), or as the parameter it came from.
 */
export const problemItemForDomainField = (
  field: string,
  detail: string,
  parameterNames: ReadonlySet<string>,
): ProblemItem => {
  const segments = field.split('.');
  const [first = ''] = segments;
  // Path parameters keep their own spelling (`:subjectId`); query parameters are snake_case.
  if (parameterNames.has(first)) return { parameter: first, detail };
  const wording = inApiWords(detail, field);
  if (parameterNames.has(snakeCase(first))) return { parameter: snakeCase(first), detail: wording };
  return {
    pointer: jsonPointer(segments.map((segment) => (/^\d+$/.test(segment) ? segment : snakeCase(segment)))),
    detail: wording,
  };
};

/** A domain message names its field the domain's way ("expiresAt must be…"); the client wrote `expires_at`. */
export const inApiWords = (message: string, field: string | undefined): string => {
  const name = field?.split('.')[0];
  if (!name || snakeCase(name) === name) return message;
  return message.replace(new RegExp(`\\b${name}\\b`, 'g'), snakeCase(name));
};
