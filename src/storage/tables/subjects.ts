import type { Knex } from 'knex';
import { rethrowUniqueViolation } from './unique-violation.ts';

/**
 * All SQL for `subjects`: who a token speaks for. A user's password is only ever stored as its
 * argon2id hash, computed by the caller.
 */
export type SubjectKind = 'user' | 'bot';

export type SubjectRow = {
  /** `usr_…` for users, `bot_…` for bots. */
  id: string;
  kind: SubjectKind;
  /** Users only; unique regardless of case. */
  username: string | null;
  passwordHash: string | null;
  isAdmin: boolean;
  /** Users only, optional: where notices (expiring tokens…) are mailed. */
  email: string | null;
  disabledAt: Date | null;
  /** Bots only: the resource the bot was created for. */
  resourceType: string | null;
  resourceId: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export type NewSubject = {
  id: string;
  kind: SubjectKind;
  username?: string | null;
  passwordHash?: string | null;
  isAdmin?: boolean;
  email?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
};

type SubjectRecord = {
  id: string;
  kind: SubjectKind;
  username: string | null;
  password_hash: string | null;
  is_admin: boolean;
  email: string | null;
  disabled_at: Date | null;
  resource_type: string | null;
  resource_id: string | null;
  created_at: Date;
  updated_at: Date;
};

const TABLE = 'subjects';

const toRow = (record: SubjectRecord): SubjectRow => ({
  id: record.id,
  kind: record.kind,
  username: record.username,
  passwordHash: record.password_hash,
  isAdmin: record.is_admin,
  email: record.email ?? null,
  disabledAt: record.disabled_at,
  resourceType: record.resource_type,
  resourceId: record.resource_id,
  createdAt: record.created_at,
  updatedAt: record.updated_at,
});

const CONFLICTS = {
  subjects_username_lower_unique: {
    field: 'username',
    message: 'A user with this username already exists',
  },
  subjects_pkey: {
    field: 'id',
    message: 'A subject with this id already exists',
  },
};

export const insertSubject = async (knex: Knex, input: NewSubject): Promise<SubjectRow> => {
  try {
    const [record] = await knex<SubjectRecord>(TABLE)
      .insert({
        id: input.id,
        kind: input.kind,
        username: input.username ?? null,
        password_hash: input.passwordHash ?? null,
        is_admin: input.isAdmin ?? false,
        email: input.email ?? null,
        resource_type: input.resourceType ?? null,
        resource_id: input.resourceId ?? null,
      })
      .returning('*');
    return toRow(record as SubjectRecord);
  } catch (error) {
    return rethrowUniqueViolation(error, CONFLICTS);
  }
};

export const findSubjectById = async (knex: Knex, id: string): Promise<SubjectRow | undefined> => {
  const record = await knex<SubjectRecord>(TABLE).where({ id }).first();
  return record ? toRow(record as SubjectRecord) : undefined;
};

/** Case-insensitive, as sign-in is; served by the unique index on lower(username). */
export const findUserByUsername = async (knex: Knex, username: string): Promise<SubjectRow | undefined> => {
  const record = await knex<SubjectRecord>(TABLE)
    .where({ kind: 'user' })
    .andWhereRaw('lower(username) = lower(?)', [username])
    .first();
  return record ? toRow(record as SubjectRecord) : undefined;
};

export const listUsers = async (knex: Knex): Promise<SubjectRow[]> => {
  const records = await knex<SubjectRecord>(TABLE)
    .where({ kind: 'user' })
    .orderByRaw('lower(username), id')
    .select('*');
  return (records as SubjectRecord[]).map(toRow);
};

/** Disables (a date) or re-enables (null) a subject; undefined when there is no such subject. */
export const setSubjectDisabled = async (
  knex: Knex,
  id: string,
  disabledAt: Date | null,
): Promise<SubjectRow | undefined> => {
  const [record] = await knex<SubjectRecord>(TABLE)
    .where({ id })
    .update({ disabled_at: disabledAt, updated_at: knex.fn.now() })
    .returning('*');
  return record ? toRow(record as SubjectRecord) : undefined;
};

/** True when the subject exists and its hash was replaced. */
export const updatePasswordHash = async (knex: Knex, id: string, passwordHash: string): Promise<boolean> => {
  const updated = await knex<SubjectRecord>(TABLE)
    .where({ id })
    .update({ password_hash: passwordHash, updated_at: knex.fn.now() })
    .returning('id');
  return updated.length > 0;
};
