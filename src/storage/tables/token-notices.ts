import type { Knex } from 'knex';
import { type AccessTokenRecord, type AccessTokenRow, toRow } from './access-tokens.ts';

/**
 * All SQL for `token_notices`: which notices (expiring at a threshold, expired, idle) each PAT or
 * RAT has had, and the queries that find tokens due for one. Inserting a notice is the
 * idempotency check: the first transaction to insert it sends it; any other finds it there.
 */
export type TokenWithNotices = { token: AccessTokenRow; notices: string[] };

type Candidate = AccessTokenRecord & { notices: string[] | null };

const withNotices = (knex: Knex) =>
  knex('access_tokens as t')
    .select(
      't.*',
      knex.raw('(select array_agg(n.notice) from token_notices n where n.token_id = t.id) as notices'),
    )
    .whereNull('t.revoked_at');

const candidatesOf = (records: Candidate[]): TokenWithNotices[] =>
  records.map((record) => ({ token: toRow(record), notices: record.notices ?? [] }));

/** Active tokens expiring after `now` and at or before `until`, soonest first. */
export const listTokensExpiringBy = async (
  knex: Knex,
  options: { now: Date; until: Date; limit: number },
): Promise<TokenWithNotices[]> =>
  candidatesOf(
    (await withNotices(knex)
      .where('t.expires_at', '>', options.now)
      .andWhere('t.expires_at', '<=', options.until)
      .orderBy('t.expires_at', 'asc')
      .limit(options.limit)) as Candidate[],
  );

/** Unrevoked tokens that expired after `since` and at or before `now` without an `expired` notice. */
export const listTokensExpiredWithoutNotice = async (
  knex: Knex,
  options: { since: Date; now: Date; limit: number },
): Promise<TokenWithNotices[]> =>
  candidatesOf(
    (await withNotices(knex)
      .where('t.expires_at', '>', options.since)
      .andWhere('t.expires_at', '<=', options.now)
      .whereNotExists(
        knex('token_notices as e')
          .select(knex.raw('1'))
          .whereRaw("e.token_id = t.id and e.notice = 'expired'"),
      )
      .orderBy('t.expires_at', 'asc')
      .limit(options.limit)) as Candidate[],
  );

/** Active tokens last used (or, never used, created) at or before `before`, longest idle first. */
export const listTokensIdleSince = async (
  knex: Knex,
  options: { before: Date; now: Date; limit: number },
): Promise<TokenWithNotices[]> =>
  candidatesOf(
    (await withNotices(knex)
      .where((where) => where.whereNull('t.expires_at').orWhere('t.expires_at', '>', options.now))
      .andWhereRaw('coalesce(t.last_used_at, t.created_at) <= ?', [options.before])
      .orderByRaw('coalesce(t.last_used_at, t.created_at) asc')
      .limit(options.limit)) as Candidate[],
  );

/** Records a notice; false when it was recorded before (by this or another instance). */
export const insertTokenNotice = async (
  knex: Knex,
  notice: { tokenId: string; notice: string; sentAt: Date },
): Promise<boolean> => {
  const inserted = await knex('token_notices')
    .insert({ token_id: notice.tokenId, notice: notice.notice, sent_at: notice.sentAt })
    .onConflict(['token_id', 'notice'])
    .ignore()
    .returning('token_id');
  return inserted.length > 0;
};

/** When `notice` was recorded for the token; undefined when it was not. */
export const findTokenNoticeSentAt = async (
  knex: Knex,
  tokenId: string,
  notice: string,
): Promise<Date | undefined> => {
  const record = (await knex('token_notices')
    .select('sent_at')
    .where({ token_id: tokenId, notice })
    .first()) as { sent_at: Date } | undefined;
  return record?.sent_at;
};
