import type { Command } from 'commander';
import type { CommandContext } from './command-context.ts';
import { registerApiResourceCommands } from './commands/api-resources.ts';
import { registerClientCommands } from './commands/clients.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerRegistrationTokenCommands } from './commands/registration-tokens.ts';
import { registerResourceCommands } from './commands/resources.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerTokenCommands } from './commands/tokens.ts';
import { registerUserCommands } from './commands/users.ts';
import { registerWebhookCommands } from './commands/webhooks.ts';

/** Every command of the CLI, in the order `tessera --help` lists them (the README test reads it too). */
export const registerCommands = (program: Command, context: CommandContext): void => {
  registerServeCommand(program, context);
  registerMigrateCommand(program, context);
  registerApiResourceCommands(program, context);
  registerClientCommands(program, context);
  registerKeyCommands(program, context);
  registerUserCommands(program, context);
  registerResourceCommands(program, context);
  registerTokenCommands(program, context);
  registerWebhookCommands(program, context);
  registerRegistrationTokenCommands(program, context);
};
