import type { Knex } from 'knex';

/**
 * The subjects a Shared Signals receiver removed from its stream (SSF 1.0 §8.1.3.3). Tessera
 * transmits about all subjects by default (`default_subjects: ALL`), so a stream keeps only its
 * exceptions: an event about a removed subject (a user, a client, a token) is not queued for it;
 * adding the subject again deletes the row. Rows go with their stream.
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('ssf_removed_subjects', (table) => {
    table.text('stream_id').notNullable().references('id').inTable('ssf_streams').onDelete('CASCADE');
    /** The opaque identifier the receiver named (`usr_…`, a client id, a token's id or jti). */
    table.text('subject_id').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['stream_id', 'subject_id']);
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.dropTable('ssf_removed_subjects');
};
