import type { Knex } from 'knex';
import type { ResourceRef } from '@tessera/verify';
import type { TokenKind } from '@tessera/verify/token-format';
import { foreignKeyError } from './foreign-key-violation.ts';
import { rethrowUniqueViolation } from './unique-violation.ts';

/**
 * All SQL for `access_tokens`: the records of personal (PAT) and resource (RAT) access tokens.
 * Only the token's hash is stored, never the token. Longer than most files on purpose: storage keeps
 * one file per table, and this table's nineteen columns are mapped both ways here.
 */
export type AccessTokenState = 'active' | 'expired' | 'revoked' | 'all';

export type AccessTokenRow = {
  /** Public id, `tok_…`. */
  id: string;
  kind: TokenKind;
  name: string;
  subjectId: string;
  /** Resource tokens only. */
  resourceType: string | null;
  resourceId: string | null;
  role: string | null;
  scopes: string[];
  audience: string[];
  tokenHash: string;
  /** A recognisable, non-secret fragment shown in lists. */
  displayHint: string;
  /** Null: never expires. */
  expiresAt: Date | null;
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
};

export type NewAccessToken = {
  id: string;
  kind: TokenKind;
  name: string;
  subjectId: string;
  resourceType?: string | null;
  resourceId?: string | null;
  role?: string | null;
  scopes: string[];
  audience?: string[];
  tokenHash: string;
  displayHint: string;
  expiresAt: Date | null;
  createdBy: string;
  /** The caller's clock; the database's when absent. */
  createdAt?: Date;
};

export type AccessTokenListFilter = {
  subjectId?: string;
  resource?: ResourceRef;
  kind?: TokenKind;
  state: AccessTokenState;
  /** What "expired" is measured against. */
  now: Date;
  limit: number;
  /** The last row of the previous page. */
  after?: { createdAt: Date; id: string };
};

export type ActiveTokenNameQuery = {
  kind: TokenKind;
  subjectId?: string;
  resource?: ResourceRef;
  name: string;
  now: Date;
};

export type LastUse = { id: string; at: Date; ip: string | null };

/** A row as Postgres returns it; token-notices.ts selects these too. */
export type AccessTokenRecord = {
  id: string;
  kind: TokenKind;
  name: string;
  subject_id: string;
  resource_type: string | null;
  resource_id: string | null;
  role: string | null;
  scopes: string[];
  audience: string[];
  token_hash: string;
  display_hint: string;
  expires_at: Date | null;
  created_at: Date;
  created_by: string;
  last_used_at: Date | null;
  last_used_ip: string | null;
  rotated_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
};

const TABLE = 'access_tokens';

/** A use within this long of the recorded one is not written: last-used is a hint, not a log. */
const LAST_USED_RESOLUTION = "interval '60 seconds'";

export const toRow = (record: AccessTokenRecord): AccessTokenRow => ({
  id: record.id,
  kind: record.kind,
  name: record.name,
  subjectId: record.subject_id,
  resourceType: record.resource_type,
  resourceId: record.resource_id,
  role: record.role,
  scopes: record.scopes,
  audience: record.audience,
  tokenHash: record.token_hash,
  displayHint: record.display_hint,
  expiresAt: record.expires_at,
  createdAt: record.created_at,
  createdBy: record.created_by,
  lastUsedAt: record.last_used_at,
  lastUsedIp: record.last_used_ip,
  rotatedAt: record.rotated_at,
  revokedAt: record.revoked_at,
  revokedBy: record.revoked_by,
});

const CONFLICTS = {
  access_tokens_token_hash_unique: {
    field: 'tokenHash',
    message: 'An access token with this hash already exists',
  },
  access_tokens_pkey: {
    field: 'id',
    message: 'An access token with this id already exists',
  },
};

/** Narrows a query to the tokens in `state` at `now`. */
const inState = (query: Knex.QueryBuilder, state: AccessTokenState, now: Date) => {
  if (state === 'all') return query;
  if (state === 'revoked') return query.whereNotNull('revoked_at');
  query.whereNull('revoked_at');
  if (state === 'expired') return query.where('expires_at', '<=', now);
  return query.where((live) => live.whereNull('expires_at').orWhere('expires_at', '>', now));
};

export const insertAccessToken = async (knex: Knex, input: NewAccessToken): Promise<AccessTokenRow> => {
  try {
    const [record] = await knex<AccessTokenRecord>(TABLE)
      .insert({
        id: input.id,
        kind: input.kind,
        name: input.name,
        subject_id: input.subjectId,
        resource_type: input.resourceType ?? null,
        resource_id: input.resourceId ?? null,
        role: input.role ?? null,
        scopes: input.scopes,
        audience: input.audience ?? [],
        token_hash: input.tokenHash,
        display_hint: input.displayHint,
        expires_at: input.expiresAt,
        created_by: input.createdBy,
        ...(input.createdAt ? { created_at: input.createdAt } : {}),
      })
      .returning('*');
    return toRow(record as AccessTokenRecord);
  } catch (error) {
    const missing = foreignKeyError(error, {
      access_tokens_subject_fkey: {
        code: 'invalid_input',
        message: `subject ${input.subjectId} does not exist`,
        field: 'subjectId',
      },
    });
    if (missing) throw missing;
    return rethrowUniqueViolation(error, CONFLICTS);
  }
};

export const findAccessTokenById = async (knex: Knex, id: string): Promise<AccessTokenRow | undefined> => {
  const record = await knex<AccessTokenRecord>(TABLE).where({ id }).first();
  return record ? toRow(record as AccessTokenRecord) : undefined;
};

/** Whatever its state: the caller tells a revoked or expired token from an unknown one. */
export const findAccessTokenByHash = async (
  knex: Knex,
  tokenHash: string,
): Promise<AccessTokenRow | undefined> => {
  const record = await knex<AccessTokenRecord>(TABLE).where({ token_hash: tokenHash }).first();
  return record ? toRow(record as AccessTokenRecord) : undefined;
};

/**
 * Newest first (created_at desc, id desc), one page of `limit`. Keyset-paginated: the next page
 * starts after the last row of this one, so rows created meanwhile neither shift nor repeat it.
 */
export const listAccessTokens = async (
  knex: Knex,
  filter: AccessTokenListFilter,
): Promise<AccessTokenRow[]> => {
  const query = knex<AccessTokenRecord>(TABLE).select('*');
  if (filter.subjectId !== undefined) query.where({ subject_id: filter.subjectId });
  if (filter.resource) query.where({ resource_type: filter.resource.type, resource_id: filter.resource.id });
  if (filter.kind) query.where({ kind: filter.kind });
  inState(query, filter.state, filter.now);
  if (filter.after) {
    query.whereRaw('(created_at, id) < (?::timestamptz, ?)', [filter.after.createdAt, filter.after.id]);
  }
  const records = await query
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(filter.limit);
  return (records as AccessTokenRecord[]).map(toRow);
};

/**
 * The active token of that kind and name for the subject (PAT) or resource (RAT), if any: names
 * are unique among active tokens. Callers check-then-insert under an advisory lock.
 */
export const findActiveTokenByName = async (
  knex: Knex,
  query: ActiveTokenNameQuery,
): Promise<AccessTokenRow | undefined> => {
  const builder = knex<AccessTokenRecord>(TABLE).where({ kind: query.kind, name: query.name });
  if (query.subjectId !== undefined) builder.where({ subject_id: query.subjectId });
  if (query.resource) builder.where({ resource_type: query.resource.type, resource_id: query.resource.id });
  inState(builder, 'active', query.now);
  const record = await builder
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .first();
  return record ? toRow(record as AccessTokenRecord) : undefined;
};

/** The revoked row; undefined when there is no such token or it was already revoked (first revocation wins). */
export const revokeAccessToken = async (
  knex: Knex,
  id: string,
  revocation: { revokedAt: Date; revokedBy: string },
): Promise<AccessTokenRow | undefined> => {
  const [record] = await knex<AccessTokenRecord>(TABLE)
    .where({ id })
    .whereNull('revoked_at')
    .update({ revoked_at: revocation.revokedAt, revoked_by: revocation.revokedBy })
    .returning('*');
  return record ? toRow(record as AccessTokenRecord) : undefined;
};

/** Rotation: the new hash replaces the old one; undefined when there is no such token or it is revoked. */
export const replaceTokenHash = async (
  knex: Knex,
  id: string,
  replacement: { tokenHash: string; displayHint: string; rotatedAt: Date },
): Promise<AccessTokenRow | undefined> => {
  try {
    const [record] = await knex<AccessTokenRecord>(TABLE)
      .where({ id })
      .whereNull('revoked_at')
      .update({
        token_hash: replacement.tokenHash,
        display_hint: replacement.displayHint,
        rotated_at: replacement.rotatedAt,
      })
      .returning('*');
    return record ? toRow(record as AccessTokenRecord) : undefined;
  } catch (error) {
    return rethrowUniqueViolation(error, CONFLICTS);
  }
};

/** Revokes every not yet revoked token of the resource (it is being deleted); returns those rows. */
export const revokeTokensOfResource = async (
  knex: Knex,
  resourceType: string,
  resourceId: string,
  revocation: { revokedAt: Date; revokedBy: string },
): Promise<AccessTokenRow[]> => {
  const records = await knex<AccessTokenRecord>(TABLE)
    .where({ resource_type: resourceType, resource_id: resourceId })
    .whereNull('revoked_at')
    .update({ revoked_at: revocation.revokedAt, revoked_by: revocation.revokedBy })
    .returning('*');
  return (records as AccessTokenRecord[]).map(toRow).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
};

/**
 * Records a batch of uses in one statement; returns how many rows changed. last_used_at only
 * moves forward, and only when the stored value is unset or more than a minute older, so a busy
 * token costs a write a minute rather than one per request.
 */
export const recordLastUsed = async (knex: Knex, entries: readonly LastUse[]): Promise<number> => {
  // One entry per token, the latest: with duplicates UPDATE … FROM would pick one arbitrarily.
  const latest = new Map<string, LastUse>();
  for (const entry of entries) {
    const seen = latest.get(entry.id);
    if (!seen || entry.at > seen.at) latest.set(entry.id, entry);
  }
  if (latest.size === 0) return 0;
  const uses = [...latest.values()];
  const result = (await knex.raw(
    `update access_tokens as token
     set last_used_at = use.at, last_used_ip = use.ip
     from (values ${uses.map(() => '(?, ?::timestamptz, ?::text)').join(', ')}) as use (id, at, ip)
     where token.id = use.id
       and (token.last_used_at is null or token.last_used_at < use.at - ${LAST_USED_RESOLUTION})
     returning token.id`,
    uses.flatMap((use) => [use.id, use.at, use.ip]),
  )) as { rows: { id: string }[] };
  return result.rows.length;
};
