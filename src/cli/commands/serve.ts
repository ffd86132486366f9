import type { Command } from 'commander';
import { runServer } from '../../main.ts';
import type { CommandContext } from '../command-context.ts';

export const registerServeCommand = (program: Command, context: CommandContext): void => {
  program
    .command('serve')
    .description('run the authorization server (same as npm start); configuration comes from the environment')
    .action(async () =>
      context.run({}, async () => {
        await runServer(context.config());
      }),
    );
};
