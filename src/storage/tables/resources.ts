import type { Knex } from 'knex';
import type { ResourceRef } from '@tessera/verify';
import { foreignKeyError } from './foreign-key-violation.ts';

/**
 * All SQL for `resources`: the platform's objects (group → application → instance…) that tokens
 * are scoped to, as a tree of (type, id) keys with parent links.
 */

export type ResourceRow = {
  type: string;
  id: string;
  name: string;
  parentType: string | null;
  parentId: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export type ResourceInput = {
  type: string;
  id: string;
  name: string;
  parentType: string | null;
  parentId: string | null;
};

type ResourceRecord = {
  type: string;
  id: string;
  name: string;
  parent_type: string | null;
  parent_id: string | null;
  created_at: Date;
  updated_at: Date;
};

const TABLE = 'resources';
const COLUMNS = ['type', 'id', 'name', 'parent_type', 'parent_id', 'created_at', 'updated_at'];

const toRow = (record: ResourceRecord): ResourceRow => ({
  type: record.type,
  id: record.id,
  name: record.name,
  parentType: record.parent_type,
  parentId: record.parent_id,
  createdAt: record.created_at,
  updatedAt: record.updated_at,
});

/**
 * Walks up the parent links from (type, id), itself included at depth 0. The CYCLE clause stops
 * a walk that comes back to a key it has seen, so a cycle already in the data cannot loop forever.
 */
const CHAIN_UP = `
  with recursive chain as (
    select ${COLUMNS.join(', ')}, 0 as depth from resources where type = ? and id = ?
    union all
    select ${COLUMNS.map((column) => `parent.${column}`).join(', ')}, chain.depth + 1
    from chain join resources parent on parent.type = chain.parent_type and parent.id = chain.parent_id
  ) cycle type, id set is_cycle using visited`;

/** Creates the resource or updates its name and parent; `created` tells which. */
export const upsertResource = async (
  knex: Knex,
  input: ResourceInput,
): Promise<{ row: ResourceRow; created: boolean }> => {
  try {
    const [record] = (await knex(TABLE)
      .insert({
        type: input.type,
        id: input.id,
        name: input.name,
        parent_type: input.parentType,
        parent_id: input.parentId,
      })
      .onConflict(['type', 'id'])
      .merge({
        name: input.name,
        parent_type: input.parentType,
        parent_id: input.parentId,
        updated_at: knex.fn.now(),
      })
      // xmax is 0 on a freshly inserted row version and set on one written by the update branch.
      .returning([...COLUMNS, knex.raw('(xmax = 0) as created')])) as (ResourceRecord & {
      created: boolean;
    })[];
    const { created, ...rest } = record as ResourceRecord & { created: boolean };
    return { row: toRow(rest), created };
  } catch (error) {
    throw (
      foreignKeyError(error, {
        resources_parent_fkey: {
          code: 'invalid_input',
          message: `parent ${input.parentType}/${input.parentId} does not exist`,
          field: 'parent',
        },
      }) ?? error
    );
  }
};

export const findResource = async (
  knex: Knex,
  type: string,
  id: string,
): Promise<ResourceRow | undefined> => {
  const record = await knex<ResourceRecord>(TABLE).where({ type, id }).first();
  return record ? toRow(record as ResourceRecord) : undefined;
};

/** The direct children only, by type then id. */
export const listChildResources = async (knex: Knex, type: string, id: string): Promise<ResourceRow[]> => {
  const records = await knex<ResourceRecord>(TABLE)
    .where({ parent_type: type, parent_id: id })
    .orderBy([{ column: 'type' }, { column: 'id' }])
    .select('*');
  return (records as ResourceRecord[]).map(toRow);
};

/** Every resource, by type then id: what an administrator's console shows. */
export const listAllResources = async (knex: Knex): Promise<ResourceRow[]> => {
  const records = await knex<ResourceRecord>(TABLE)
    .orderBy([{ column: 'type' }, { column: 'id' }])
    .select('*');
  return (records as ResourceRecord[]).map(toRow);
};

/**
 * True when a resource was deleted (its memberships go with it). A resource that still has
 * sub-resources is refused with a conflict: the platform deletes a subtree bottom-up.
 */
export const deleteResource = async (knex: Knex, type: string, id: string): Promise<boolean> => {
  try {
    // `returning` rather than the affected-row count: knex-pglite answers a bare delete with the
    // raw result object instead of a number.
    const deleted = await knex<ResourceRecord>(TABLE).where({ type, id }).delete().returning('id');
    return deleted.length > 0;
  } catch (error) {
    throw (
      foreignKeyError(error, {
        resources_parent_fkey: {
          code: 'conflict',
          message: `resource ${type}/${id} has sub-resources`,
        },
      }) ?? error
    );
  }
};

/** From the parent up to the root, nearest first; empty for a root or an unknown resource. */
export const findAncestors = async (knex: Knex, type: string, id: string): Promise<ResourceRow[]> => {
  const result = (await knex.raw(
    `${CHAIN_UP} select ${COLUMNS.join(', ')} from chain where depth > 0 and not is_cycle order by depth`,
    [type, id],
  )) as { rows: ResourceRecord[] };
  return result.rows.map(toRow);
};

/**
 * True when giving (type, id) the parent (parentType, parentId) would close a loop: the new
 * parent is the resource itself or one of its descendants, i.e. the resource is among the new
 * parent's ancestors (walking up one chain is cheaper than walking down a subtree).
 */
export const wouldCreateCycle = async (
  knex: Knex,
  type: string,
  id: string,
  parentType: string | null,
  parentId: string | null,
): Promise<boolean> => {
  if (parentType === null || parentId === null) return false;
  if (parentType === type && parentId === id) return true;
  const result = (await knex.raw(
    `${CHAIN_UP} select exists (select 1 from chain where type = ? and id = ?) as cycle`,
    [parentType, parentId, type, id],
  )) as { rows: { cycle: boolean }[] };
  return result.rows[0]?.cycle === true;
};

/** The resources among `keys` that exist, by type then id. */
export const listResourcesByKeys = async (
  knex: Knex,
  keys: readonly ResourceRef[],
): Promise<ResourceRow[]> => {
  if (keys.length === 0) return [];
  const records = await knex<ResourceRecord>(TABLE)
    .whereIn(
      ['type', 'id'],
      keys.map((key) => [key.type, key.id]),
    )
    .orderBy([{ column: 'type' }, { column: 'id' }])
    .select('*');
  return (records as ResourceRecord[]).map(toRow);
};

/**
 * Every resource below the given ones, at any depth, the given ones excluded unless they sit below
 * another: what a membership reaches besides the resource it is on.
 */
export const listDescendants = async (knex: Knex, keys: readonly ResourceRef[]): Promise<ResourceRow[]> => {
  if (keys.length === 0) return [];
  const roots = keys.map(() => '(?, ?)').join(', ');
  const result = (await knex.raw(
    `with recursive below as (
       select ${COLUMNS.join(', ')} from resources where (parent_type, parent_id) in (values ${roots})
       union all
       select ${COLUMNS.map((column) => `child.${column}`).join(', ')}
       from below join resources child on child.parent_type = below.type and child.parent_id = below.id
     ) cycle type, id set is_cycle using visited
     select distinct ${COLUMNS.join(', ')} from below where not is_cycle order by type, id`,
    keys.flatMap((key) => [key.type, key.id]),
  )) as { rows: ResourceRecord[] };
  return result.rows.map(toRow);
};
