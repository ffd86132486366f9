import type { Knex } from 'knex';

/**
 * Notices about a PAT's or RAT's life (expiring at each threshold, expired, idle), one row per
 * notice sent: the primary key makes each one recorded once, whichever instance finds it due and
 * however often instances restart. The notice's event is recorded in the same transaction.
 * Users get an optional e-mail address, where notices are mailed (TESSERA_SMTP_URL).
 */
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.createTable('token_notices', (table) => {
    table.text('token_id').notNullable().references('id').inTable('access_tokens').onDelete('CASCADE');
    // `expiring:30`, `expired`, `idle:<start of the idle period>`.
    table.text('notice').notNullable();
    table.timestamp('sent_at', { useTz: true }).notNullable();
    table.primary(['token_id', 'notice']);
  });
  await knex.schema.alterTable('subjects', (table) => {
    table.text('email').nullable();
  });
};

export const down = async (knex: Knex): Promise<void> => {
  await knex.schema.alterTable('subjects', (table) => {
    table.dropColumn('email');
  });
  await knex.schema.dropTable('token_notices');
};
