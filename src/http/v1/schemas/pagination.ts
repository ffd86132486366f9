import { z } from 'zod';
import type { Page } from '../../../domain/access-tokens/access-token.ts';
import { PAGE_LIMIT, PAGE_LIMIT_RULE } from '../../../domain/pagination.ts';

/**
 * Lists are cursor-paginated: `?limit=&cursor=` in, `{ data, next_cursor }` out. The cursor is
 * opaque (the domain makes it); `next_cursor` is null on the last page. Every list takes this one
 * `limit`, with the domain's rule (domain/pagination.ts): a value outside the range is refused
 * with one message, whatever is wrong with it (not a number, a fraction, too small, too large).
 */
const outOfRange = { error: PAGE_LIMIT_RULE };
export const limitSchema = z.coerce
  .number(outOfRange)
  .int(outOfRange)
  .min(PAGE_LIMIT.min, outOfRange)
  .max(PAGE_LIMIT.max, outOfRange)
  .default(PAGE_LIMIT.default)
  .describe(`How many items to return, ${PAGE_LIMIT.min}–${PAGE_LIMIT.max} (default ${PAGE_LIMIT.default}).`);

export const cursorSchema = z
  .string()
  .regex(/^[\x21-\x7E]{1,512}$/, 'must be a next_cursor from a previous page')
  .describe('The `next_cursor` of the previous page.');

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  });

/** A domain page as the API answers it. */
export const pageJson = <T, J>(
  page: Page<T>,
  present: (item: T) => J,
): { data: J[]; next_cursor: string | null } => ({
  data: page.items.map(present),
  next_cursor: page.nextCursor,
});
