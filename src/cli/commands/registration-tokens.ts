import type { Command } from 'commander';
import type { RegistrationTokenView } from '../../domain/registration/registration-token-service.ts';
import { invalidInput } from '../../errors.ts';
import type { CommandContext } from '../command-context.ts';
import { type Json, printFields, printJson, printTable } from '../output.ts';

/**
 * `tessera registration-tokens …`: initial access tokens for dynamic client registration (RFC 7591)
 * when TESSERA_REGISTRATION=initial-access-token. The token is printed once; only its hash is kept.
 */
const FLAGS = { name: '--name', expiresInDays: '--expires-in-days' };

type CreatedJson = { token: string; registrationToken: Json<RegistrationTokenView> };

const toJson = (token: Json<RegistrationTokenView>) => ({
  id: token.id,
  name: token.name,
  expires_at: token.expiresAt,
  created_by: token.createdBy,
  created_at: token.createdAt,
  revoked_at: token.revokedAt,
  last_used_at: token.lastUsedAt,
  uses: token.uses,
});

const show = (token: Json<RegistrationTokenView>) =>
  printFields({
    id: token.id,
    name: token.name,
    expires: token.expiresAt ?? 'never',
    revoked: token.revokedAt ?? '-',
    uses: token.uses,
  });

export const registerRegistrationTokenCommands = (program: Command, context: CommandContext): void => {
  const group = program
    .command('registration-tokens')
    .description(
      'initial access tokens: what software presents to register a client at /reg (TESSERA_REGISTRATION=initial-access-token)',
    );

  group
    .command('create')
    .description('create an initial access token; prints it once')
    .requiredOption('--name <name>', 'who or what the token is for')
    .option('--expires-in-days <days>', 'days until it stops working (1-365)', '30')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        if (!/^\d{1,3}$/.test(options.expiresInDays))
          throw invalidInput('must be a whole number of days from 1 to 365', 'expiresInDays');
        const created = (await context.admin('registration-tokens.create', {
          name: options.name,
          expiresInDays: Number(options.expiresInDays),
        })) as CreatedJson;
        if (options.json) {
          printJson({ ...toJson(created.registrationToken), token: created.token });
          return;
        }
        show(created.registrationToken);
        process.stdout.write(
          `\ntoken: ${created.token}\n\nStore the token now: it is shown only once. Software registers a client with it:\n  POST /reg with Authorization: Bearer <token>\n`,
        );
      }),
    );

  group
    .command('list')
    .description('list initial access tokens (never the tokens themselves)')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const tokens = (await context.admin(
          'registration-tokens.list',
          undefined,
        )) as Json<RegistrationTokenView>[];
        if (options.json) printJson(tokens.map(toJson));
        else printTable(tokens, ['id', 'name', 'expiresAt', 'revokedAt', 'uses']);
      }),
    );

  group
    .command('revoke')
    .description('revoke an initial access token: no more registrations with it (clients made with it stay)')
    .argument('<id>', 'the token id (rit_…)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) =>
      context.run(FLAGS, async () => {
        const token = (await context.admin('registration-tokens.revoke', {
          id,
        })) as Json<RegistrationTokenView>;
        if (options.json) printJson(toJson(token));
        else process.stdout.write(`revoked initial access token ${id}\n`);
      }),
    );
};
