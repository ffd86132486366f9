import { invalidInput } from '../../errors.ts';
import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { ResourceRef } from '@tessera/verify';
import type { Actor } from '../actors.ts';
import { decodeCursor, encodeCursor, pageLimit } from '../pagination.ts';
import type { AccessTokenView, ListOptions, Page } from './access-token.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';
import { viewOf } from './access-token-view.ts';
import { personalOwner, resourceManager } from './token-ownership.ts';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Lists of PATs and RATs, newest first, a page at a time (keyset cursors over createdAt and id). */
const listOptions = (options: ListOptions) => {
  const limit = pageLimit(options.limit);
  const cursor = options.cursor ? decodeCursor(options.cursor, 'cursor') : undefined;
  // Only an instant this API wrote (toISOString): also keeps out years Postgres cannot store.
  const createdAt =
    cursor?.createdAt && ISO_INSTANT.test(cursor.createdAt) ? new Date(cursor.createdAt) : undefined;
  if (cursor && (!createdAt || Number.isNaN(createdAt.getTime()) || typeof cursor.id !== 'string')) {
    throw invalidInput('cursor is not a cursor this API returned', 'cursor');
  }
  return {
    state: options.state ?? 'active',
    limit,
    after: createdAt && cursor ? { createdAt, id: cursor.id as string } : undefined,
  };
};

const page = (rows: AccessTokenRow[], limit: number, now: Date): Page<AccessTokenView> => {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map((row) => viewOf(row, now)),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id })
        : null,
  };
};

/** One page of the rows `filter` selects: one row more than the page is read to know if another follows. */
const listPage = async (
  deps: AccessTokenDeps,
  filter: { subjectId: string; kind: 'personal' } | { resource: ResourceRef; kind: 'resource' },
  options: ListOptions,
): Promise<Page<AccessTokenView>> => {
  const { state, limit, after } = listOptions(options);
  const rows = await deps.repositories.accessTokens.list({
    ...filter,
    state,
    now: deps.now(),
    limit: limit + 1,
    after,
  });
  return page(rows, limit, deps.now());
};

export const listPersonalTokens = async (
  deps: AccessTokenDeps,
  actor: Actor,
  options: ListOptions & { username?: string },
): Promise<Page<AccessTokenView>> => {
  const ownerId = await personalOwner(deps, actor, options.username);
  return listPage(deps, { subjectId: ownerId, kind: 'personal' }, options);
};

export const listResourceTokens = async (
  deps: AccessTokenDeps,
  actor: Actor,
  ref: ResourceRef,
  options: ListOptions,
): Promise<Page<AccessTokenView>> => {
  await resourceManager(deps, actor, ref);
  return listPage(deps, { resource: ref, kind: 'resource' }, options);
};
