import type { Knex } from 'knex';
import { isStorableText } from '../query-guard.ts';

/**
 * All SQL for `registration_tokens`: the initial access tokens of dynamic client registration
 * (RFC 7591 §3). Only the token's keyed hash is stored, never the token.
 */
export type RegistrationTokenRow = {
  /** `rit_…` */
  id: string;
  tokenHash: string;
  name: string;
  expiresAt: Date | null;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  uses: number;
};

export type NewRegistrationToken = Pick<
  RegistrationTokenRow,
  'id' | 'tokenHash' | 'name' | 'expiresAt' | 'createdBy'
>;

type RegistrationTokenRecord = {
  id: string;
  token_hash: string;
  name: string;
  expires_at: Date | null;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  uses: number;
};

const TABLE = 'registration_tokens';

const toRow = (record: RegistrationTokenRecord): RegistrationTokenRow => ({
  id: record.id,
  tokenHash: record.token_hash,
  name: record.name,
  expiresAt: record.expires_at,
  createdBy: record.created_by,
  createdAt: record.created_at,
  revokedAt: record.revoked_at,
  lastUsedAt: record.last_used_at,
  uses: record.uses,
});

export const insertRegistrationToken = async (
  knex: Knex,
  input: NewRegistrationToken,
): Promise<RegistrationTokenRow> => {
  const [record] = await knex<RegistrationTokenRecord>(TABLE)
    .insert({
      id: input.id,
      token_hash: input.tokenHash,
      name: input.name,
      expires_at: input.expiresAt,
      created_by: input.createdBy,
    })
    .returning('*');
  return toRow(record as RegistrationTokenRecord);
};

/** The token with this hash, if it is neither revoked nor expired. */
export const findLiveRegistrationTokenByHash = async (
  knex: Knex,
  tokenHash: string,
): Promise<RegistrationTokenRow | undefined> => {
  const record = await knex<RegistrationTokenRecord>(TABLE)
    .where({ token_hash: tokenHash })
    .whereNull('revoked_at')
    .andWhere((query) => query.whereNull('expires_at').orWhere('expires_at', '>', knex.fn.now()))
    .first();
  return record ? toRow(record as RegistrationTokenRecord) : undefined;
};

export const findRegistrationTokenById = async (
  knex: Knex,
  id: string,
): Promise<RegistrationTokenRow | undefined> => {
  if (!isStorableText(id)) return undefined;
  const record = await knex<RegistrationTokenRecord>(TABLE).where({ id }).first();
  return record ? toRow(record as RegistrationTokenRecord) : undefined;
};

export const listRegistrationTokens = async (knex: Knex): Promise<RegistrationTokenRow[]> => {
  const records = await knex<RegistrationTokenRecord>(TABLE).select('*').orderBy('created_at', 'desc');
  return (records as RegistrationTokenRecord[]).map(toRow);
};

/** Counts one registration made with the token. */
export const markRegistrationTokenUsed = async (knex: Knex, id: string): Promise<void> => {
  await knex<RegistrationTokenRecord>(TABLE)
    .where({ id })
    .update({ uses: knex.raw('uses + 1'), last_used_at: knex.fn.now() });
};

/** The revoked token; undefined when there is no such token. Revoking twice keeps the first time. */
export const revokeRegistrationTokenById = async (
  knex: Knex,
  id: string,
): Promise<RegistrationTokenRow | undefined> => {
  if (!isStorableText(id)) return undefined;
  const [record] = await knex<RegistrationTokenRecord>(TABLE)
    .where({ id })
    .update({ revoked_at: knex.raw('coalesce(revoked_at, now())') })
    .returning('*');
  return record ? toRow(record as RegistrationTokenRecord) : undefined;
};
