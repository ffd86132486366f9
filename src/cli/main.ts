#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { openServices } from '../composition/open-services.ts';
import { type Config, loadConfig } from '../config/load-config.ts';
import { AppError } from '../errors.ts';
import { runAdmin } from './admin-session.ts';
import { reportError, usageError, wantsJson } from './cli-error.ts';
import { type CommandContext, runCommandBody } from './command-context.ts';
import { registerCommands } from './register-commands.ts';

let config: Config | undefined;
const context: CommandContext = {
  config: () => {
    config ??= loadConfig();
    return config;
  },
  admin: (op, input) =>
    runAdmin(
      { config: context.config(), openServices: () => openServices(context.config(), { migrate: true }) },
      op,
      input,
    ),
  run: runCommandBody,
};

const program = new Command('tessera')
  .description(
    'Tessera: an OAuth 2.0 / OpenID Connect authorization server that issues access tokens for APIs.',
  )
  .showHelpAfterError('(run with --help for usage)')
  .configureHelp({ showGlobalOptions: true })
  .addHelpText(
    'after',
    '\nConfiguration comes from environment variables (DATABASE_URL, REDIS_URL, TESSERA_*); see README.md.',
  );

// With --json, commander's own parse errors are reported as JSON too (below), not as its text.
const json = wantsJson();
if (json) program.configureOutput({ outputError: () => {}, writeErr: () => {} });

registerCommands(program, context);

const overrideExits = (command: Command) => {
  command.exitOverride();
  for (const sub of command.commands) overrideExits(sub);
};
overrideExits(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander already printed its message (which names the flag), unless --json asked for JSON;
    // help and version exit 0, every parse error is a usage mistake.
    if (json && error.exitCode !== 0)
      reportError(usageError(error.message.replace(/^error: /, '')), {}, true);
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof AppError) {
    reportError(error, {}, json);
  } else {
    throw error;
  }
}
