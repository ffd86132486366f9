import type { z } from 'zod';
import { invalidInput } from '../errors.ts';

/**
 * Parses domain input with a zod schema; the first problem becomes an `invalid_input` error whose
 * `field` names the offending property, so the CLI can name the flag and the API the JSON pointer.
 */
export const parseInput = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || undefined;
  throw invalidInput(`${field ?? 'input'} ${issue?.message ?? 'is invalid'}`, field);
};
