import type { z } from 'zod';
import { type FieldProblem, invalidFields } from '../errors.ts';

/** zod's wording for a missing or non-number value ("received undefined", "received NaN") says less than this. */
const describeIssue = (issue: z.core.$ZodIssue): string => {
  if (issue.code !== 'invalid_type') return issue.message;
  if (issue.message.endsWith('received undefined')) return 'is required';
  if (issue.message.endsWith('received NaN')) return 'must be a number';
  return issue.message;
};

/**
 * Every problem of a failed parse, each naming its field the domain's way (`scopes.0`), under
 * `prefix` when the schema checked one field of a larger input.
 */
export const fieldProblems = (error: z.ZodError, prefix?: string): FieldProblem[] =>
  error.issues.flatMap((issue) => {
    const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    const field = (keys: string[]) => keys.join('.') || undefined;
    return issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: field([...path, key]), detail: 'is not a known field' }))
      : [{ field: field(path), detail: describeIssue(issue) }];
  });

/**
 * Parses domain input with a zod schema; every problem at once becomes one `invalid_input` error
 * whose `fields` name the offending properties, so the CLI can name the flags and the API the
 * JSON pointers. `field` names the input when the schema checks a single value.
 */
export const parseInput = <S extends z.ZodType>(schema: S, input: unknown, field?: string): z.output<S> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidFields(fieldProblems(result.error, field));
};
