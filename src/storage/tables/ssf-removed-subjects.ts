import type { Knex } from 'knex';

/** All SQL for `ssf_removed_subjects`: the subjects a receiver removed from its stream. */
const TABLE = 'ssf_removed_subjects';

export const addRemovedSubject = async (knex: Knex, streamId: string, subjectId: string): Promise<void> => {
  await knex(TABLE).insert({ stream_id: streamId, subject_id: subjectId }).onConflict().ignore();
};

export const deleteRemovedSubject = async (
  knex: Knex,
  streamId: string,
  subjectId: string,
): Promise<void> => {
  await knex(TABLE).where({ stream_id: streamId, subject_id: subjectId }).delete();
};

export const countRemovedSubjects = async (knex: Knex, streamId: string): Promise<number> => {
  const [row] = (await knex(TABLE).where({ stream_id: streamId }).count({ count: '*' })) as {
    count: string;
  }[];
  return Number(row?.count ?? 0);
};

/** Which of `subjectIds` the stream removed. */
export const findRemovedSubjects = async (
  knex: Knex,
  streamId: string,
  subjectIds: readonly string[],
): Promise<Set<string>> => {
  if (subjectIds.length === 0) return new Set();
  const rows = (await knex(TABLE)
    .where({ stream_id: streamId })
    .whereIn('subject_id', [...subjectIds])
    .select('subject_id')) as { subject_id: string }[];
  return new Set(rows.map((row) => row.subject_id));
};
