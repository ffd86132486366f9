import type { Command } from 'commander';
import { isControlSocketLive } from '../../embedded/control-socket-client.ts';
import { controlSocketPath } from '../../embedded/control-socket-path.ts';
import { createDatabase } from '../../storage/database.ts';
import { migrateLatest } from '../../storage/migrate.ts';
import type { CommandContext } from '../command-context.ts';
import { printJson } from '../output.ts';

export const registerMigrateCommand = (program: Command, context: CommandContext): void => {
  program
    .command('migrate')
    .description('apply pending database migrations (the server also applies them when it starts)')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run({}, async () => {
        const config = context.config();
        if (config.profile === 'embedded' && (await isControlSocketLive(controlSocketPath(config.dataDir)))) {
          // The running embedded server migrated its database when it started and owns it now.
          if (options.json)
            printJson({ applied: [], note: 'the running embedded server keeps its database migrated' });
          else
            process.stdout.write('the running embedded server keeps its database migrated; nothing to do\n');
          return;
        }
        const database = await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
        try {
          const applied = await migrateLatest(database.knex);
          if (options.json) printJson({ applied });
          else if (applied.length === 0) process.stdout.write('database is up to date\n');
          else
            process.stdout.write(
              `applied ${applied.length} migration(s):\n${applied.map((name) => `  ${name}`).join('\n')}\n`,
            );
        } finally {
          await database.close();
        }
      }),
    );
};
