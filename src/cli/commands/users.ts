import type { Command } from 'commander';
import type { UserView } from '../../domain/users/user-service.ts';
import type { CommandContext } from '../command-context.ts';
import { type Json, printFields, printJson, printTable } from '../output.ts';
import { promptPassword, readPasswordFromStdin } from '../read-password.ts';

const FLAGS = { username: '--username', password: '--password-stdin', email: '--email' };

const toJson = (user: Json<UserView>) => ({
  id: user.id,
  username: user.username,
  admin: user.isAdmin,
  email: user.email,
  disabled_at: user.disabledAt,
  created_at: user.createdAt,
});

export const registerUserCommands = (program: Command, context: CommandContext): void => {
  const group = program
    .command('users')
    .description('people: they own personal access tokens and sign in to the console');

  group
    .command('create')
    .description('create a user; the password is asked on the terminal or read with --password-stdin')
    .requiredOption('--username <name>', 'the login name')
    .option('--admin', 'an administrator: holds every scope, owner on every resource')
    .option('--email <address>', 'where notices about their tokens are mailed (TESSERA_SMTP_URL)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const password = options.passwordStdin ? await readPasswordFromStdin() : await promptPassword();
        const user = (await context.admin('users.create', {
          username: options.username,
          password,
          isAdmin: options.admin === true,
          ...(options.email !== undefined ? { email: options.email } : {}),
        })) as Json<UserView>;
        if (options.json) printJson(toJson(user));
        else
          printFields({ id: user.id, username: user.username, admin: user.isAdmin, created: user.createdAt });
      }),
    );

  group
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const users = (await context.admin('users.list', undefined)) as Json<UserView>[];
        if (options.json) printJson(users.map(toJson));
        else printTable(users, ['id', 'username', 'isAdmin', 'disabledAt', 'createdAt']);
      }),
    );

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    group
      .command(name)
      .description(
        disabled
          ? 'disable a user: their tokens stop working at once and they cannot sign in'
          : 'enable a disabled user again',
      )
      .argument('<username>', 'the login name')
      .option('--json', 'print JSON')
      .action(async (username: string, options) =>
        context.run(FLAGS, async () => {
          const user = (await context.admin('users.disable', { username, disabled })) as Json<UserView>;
          if (options.json) printJson(toJson(user));
          else process.stdout.write(`${disabled ? 'disabled' : 'enabled'} ${user.username}\n`);
        }),
      );
  }
};
