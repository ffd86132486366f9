import { z } from 'zod';

/**
 * Lists are cursor-paginated: `?limit=&cursor=` in, `{ data, next_cursor }` out. The cursor is
 * opaque (the domain makes it); `next_cursor` is null on the last page.
 */
export const limitSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(100)
  .default(20)
  .describe('How many items to return, 1–100.');

export const cursorSchema = z
  .string()
  .regex(/^[\x21-\x7E]{1,512}$/, 'must be a next_cursor from a previous page')
  .describe('The `next_cursor` of the previous page.');

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  });
