import type { Knex } from 'knex';
import type { SubjectKind } from './subjects.ts';
import { foreignKeyError } from './foreign-key-violation.ts';

/** All SQL for `memberships`: subject × resource × role. */
export type MembershipRow = {
  subjectId: string;
  resourceType: string;
  resourceId: string;
  role: string;
  createdAt: Date;
  updatedAt: Date;
};

export type MembershipInput = {
  subjectId: string;
  resourceType: string;
  resourceId: string;
  role: string;
};

/** A member of a resource as its member list shows it. */
export type ResourceMemberRow = MembershipRow & {
  subjectKind: SubjectKind;
  username: string | null;
};

type MembershipRecord = {
  subject_id: string;
  resource_type: string;
  resource_id: string;
  role: string;
  created_at: Date;
  updated_at: Date;
};

const TABLE = 'memberships';
const COLUMNS = ['subject_id', 'resource_type', 'resource_id', 'role', 'created_at', 'updated_at'];

const toRow = (record: MembershipRecord): MembershipRow => ({
  subjectId: record.subject_id,
  resourceType: record.resource_type,
  resourceId: record.resource_id,
  role: record.role,
  createdAt: record.created_at,
  updatedAt: record.updated_at,
});

/** Gives the subject this role on the resource, replacing any role it had; `created` tells which. */
export const upsertMembership = async (
  knex: Knex,
  input: MembershipInput,
): Promise<{ row: MembershipRow; created: boolean }> => {
  try {
    const [record] = (await knex(TABLE)
      .insert({
        subject_id: input.subjectId,
        resource_type: input.resourceType,
        resource_id: input.resourceId,
        role: input.role,
      })
      .onConflict(['subject_id', 'resource_type', 'resource_id'])
      .merge({ role: input.role, updated_at: knex.fn.now() })
      // xmax is 0 on a freshly inserted row version and set on one written by the update branch.
      .returning([...COLUMNS, knex.raw('(xmax = 0) as created')])) as (MembershipRecord & {
      created: boolean;
    })[];
    const { created, ...rest } = record as MembershipRecord & { created: boolean };
    return { row: toRow(rest), created };
  } catch (error) {
    throw (
      foreignKeyError(error, {
        memberships_subject_fkey: {
          code: 'invalid_input',
          message: `subject ${input.subjectId} does not exist`,
          field: 'subjectId',
        },
        memberships_resource_fkey: {
          code: 'invalid_input',
          message: `resource ${input.resourceType}/${input.resourceId} does not exist`,
          field: 'resource',
        },
      }) ?? error
    );
  }
};

/** True when a membership was deleted. */
export const deleteMembership = async (
  knex: Knex,
  subjectId: string,
  resourceType: string,
  resourceId: string,
): Promise<boolean> => {
  // `returning` rather than the affected-row count: knex-pglite answers a bare delete with the raw
  // result object instead of a number.
  const deleted = await knex<MembershipRecord>(TABLE)
    .where({ subject_id: subjectId, resource_type: resourceType, resource_id: resourceId })
    .delete()
    .returning('subject_id');
  return deleted.length > 0;
};

/** The membership on exactly this resource (not inherited from an ancestor). */
export const findMembership = async (
  knex: Knex,
  subjectId: string,
  resourceType: string,
  resourceId: string,
): Promise<MembershipRow | undefined> => {
  const record = await knex<MembershipRecord>(TABLE)
    .where({ subject_id: subjectId, resource_type: resourceType, resource_id: resourceId })
    .first();
  return record ? toRow(record as MembershipRecord) : undefined;
};

export const listMembershipsOfSubject = async (knex: Knex, subjectId: string): Promise<MembershipRow[]> => {
  const records = await knex<MembershipRecord>(TABLE)
    .where({ subject_id: subjectId })
    .orderBy([{ column: 'resource_type' }, { column: 'resource_id' }])
    .select('*');
  return (records as MembershipRecord[]).map(toRow);
};

/** Direct members of the resource: users by username, then bots (no username) by id. */
export const listMembersOfResource = async (
  knex: Knex,
  resourceType: string,
  resourceId: string,
): Promise<ResourceMemberRow[]> => {
  const records = (await knex(`${TABLE} as m`)
    .join('subjects as s', 's.id', 'm.subject_id')
    .where({ 'm.resource_type': resourceType, 'm.resource_id': resourceId })
    .orderByRaw('lower(s.username) nulls last, m.subject_id')
    .select([
      ...COLUMNS.map((column) => `m.${column}`),
      's.kind as subject_kind',
      's.username',
    ])) as (MembershipRecord & { subject_kind: SubjectKind; username: string | null })[];
  return records.map((record) => ({
    ...toRow(record),
    subjectKind: record.subject_kind,
    username: record.username,
  }));
};
