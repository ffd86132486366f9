import type { z } from 'zod';
import { type FieldProblem, nameFields, type ProblemItem } from '../../errors.ts';

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

const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** A domain detail's `{expiresAt}` references, in the API's words (`expires_at`). */
const inApiTerms = (detail: string): string => nameFields(detail, snakeCase);

/**
 * zod's wording for a missing member ("expected string, received undefined") says less than
 * this, and "received NaN" is nothing a JSON client sent.
 */
const describeIssue = (issue: z.core.$ZodIssue): string => {
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return 'is required';
  if (issue.code === 'invalid_type' && issue.message.endsWith('received NaN')) return 'must be a number';
  return inApiTerms(issue.message);
};

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

/** Each of a domain error's problems, named the way the client wrote it; one about no field is about the whole body. */
export const problemItemsForDomainFields = (
  problems: readonly FieldProblem[],
  parameterNames: ReadonlySet<string>,
): ProblemItem[] =>
  problems.map(({ field, detail }) =>
    field
      ? problemItemForDomainField(field, inApiTerms(detail), parameterNames)
      : { pointer: '', detail: inApiTerms(detail) },
  );

/** The problem's own detail: its one problem in a sentence, or a pointer to its list. */
export const detailForDomainFields = (items: readonly ProblemItem[]): string => {
  const [only] = items;
  if (items.length === 1 && only) {
    const name = 'pointer' in only ? only.pointer.slice(1).replaceAll('/', '.') : only.parameter;
    return name ? `${name} ${only.detail}` : only.detail;
  }
  return items.every((item) => 'pointer' in item)
    ? 'The request body has problems: see errors.'
    : 'The request has problems: see errors.';
};
