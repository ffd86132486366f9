import { type Command, Option } from 'commander';
import { MAX_TOKEN_LIFETIME_DAYS } from '../../domain/access-tokens/token-request.ts';
import type { AccessTokenView, IssuedAccessToken, Page } from '../../domain/access-tokens/access-token.ts';
import { parseScopeList } from '../../domain/scopes/scope-list.ts';
import { usageError } from '../cli-error.ts';
import type { CommandContext } from '../command-context.ts';
import { type Json, printFields, printJson, printTable } from '../output.ts';
import { parseResourceRef } from '../resource-ref.ts';

type View = Json<AccessTokenView>;

const FLAGS = {
  name: '--name',
  scopes: '--scopes',
  expiresAt: '--expires-at',
  expiresInDays: '--expires-in-days',
  audience: '--audience',
  username: '--user',
  role: '--role',
  limit: '--limit',
};

/** The same snake_case shape as the management API. */
const toJson = (view: View) => ({
  id: view.id,
  kind: view.kind,
  name: view.name,
  scopes: view.scopes,
  audience: view.audience,
  state: view.state,
  display_hint: view.displayHint,
  created_at: view.createdAt,
  created_by: view.createdBy,
  expires_at: view.expiresAt,
  last_used_at: view.lastUsedAt,
  last_used_ip: view.lastUsedIp,
  rotated_at: view.rotatedAt,
  revoked_at: view.revokedAt,
  ...(view.resource ? { resource: view.resource, bot_id: view.botId, role: view.role } : {}),
});

/**
 * A whole number stays a number; anything else goes on as written, for the domain to refuse with
 * the API's own rule and words (token-request.ts) together with every other problem.
 */
const days = (value: string): number => (/^-?\d+$/.test(value.trim()) ? Number(value) : (value as never));

/** What a table shows for a date that is not there: the token never expires, or was never used. */
const orNever = (view: View) => ({
  ...view,
  expiresAt: view.expiresAt ?? 'never',
  lastUsedAt: view.lastUsedAt ?? 'never',
});

const showIssued = (issued: Json<IssuedAccessToken>, json: boolean) => {
  if (json) {
    printJson({ token: issued.token, ...toJson(issued.record as unknown as View) });
    return;
  }
  const record = issued.record as unknown as View;
  printFields({
    id: record.id,
    name: record.name,
    scopes: record.scopes,
    expires: record.expiresAt ?? 'never',
    ...(record.resource
      ? { resource: `${record.resource.type}/${record.resource.id}`, bot: record.botId, role: record.role }
      : {}),
  });
  process.stdout.write(
    `\ntoken: ${issued.token}\n\nCopy it now: it is shown only once. Tessera keeps only a hash of it.\n`,
  );
};

export const registerTokenCommands = (program: Command, context: CommandContext): void => {
  const group = program.command('tokens').description('personal and resource access tokens');

  group
    .command('create')
    .description('create a personal access token for --user, or a resource access token for --resource')
    .option('--user <username>', 'owner of a personal access token')
    .option(
      '--resource <type/id>',
      'resource of a resource access token, e.g. groups/42',
      parseResourceRef('--resource'),
    )
    .option('--role <role>', 'role of the resource access token bot')
    .requiredOption('--name <name>', 'a name to recognise the token by')
    .requiredOption('--scopes <scopes>', 'space- or comma-separated scopes')
    .option(
      '--expires-in-days <days>',
      `expire after this many whole days (at most ${MAX_TOKEN_LIFETIME_DAYS}, or the server's TESSERA_TOKEN_MAX_LIFETIME_DAYS)`,
      days,
    )
    .option(
      '--expires-at <date>',
      'expire at the end of this day (UTC), YYYY-MM-DD; without either flag the token never expires, where the server allows it',
    )
    .option('--audience <uris>', 'comma-separated API identifiers the token is restricted to (personal only)')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        if (Boolean(options.user) === Boolean(options.resource)) {
          throw usageError('give exactly one of --user (personal token) or --resource (resource token)');
        }
        const expiry = { expiresAt: options.expiresAt, expiresInDays: options.expiresInDays };
        const scopes = parseScopeList(options.scopes);
        const issued = options.user
          ? await context.admin('tokens.create-personal', {
              username: options.user,
              name: options.name,
              scopes,
              audience: options.audience ? parseScopeList(options.audience) : undefined,
              ...expiry,
            })
          : await context.admin('tokens.create-resource', {
              ref: options.resource,
              name: options.name,
              role:
                options.role ??
                (() => {
                  throw usageError('--role is required with --resource');
                })(),
              scopes,
              ...expiry,
            });
        showIssued(issued as Json<IssuedAccessToken>, options.json);
      }),
    );

  group
    .command('list')
    .description("list a user's personal tokens or a resource's tokens (metadata only, never the token)")
    .option('--user <username>', 'the owner')
    .option('--resource <type/id>', 'the resource', parseResourceRef('--resource'))
    .addOption(
      new Option('--state <state>', 'which tokens')
        .choices(['active', 'expired', 'revoked', 'all'])
        .default('active'),
    )
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        if (Boolean(options.user) === Boolean(options.resource)) {
          throw usageError('give exactly one of --user or --resource');
        }
        const items: View[] = [];
        let cursor: string | undefined;
        do {
          const result = (
            options.user
              ? await context.admin('tokens.list-personal', {
                  username: options.user,
                  state: options.state,
                  limit: 100,
                  cursor,
                })
              : await context.admin('tokens.list-resource', {
                  ref: options.resource,
                  state: options.state,
                  limit: 100,
                  cursor,
                })
          ) as Json<Page<AccessTokenView>>;
          items.push(...(result.items as unknown as View[]));
          cursor = result.nextCursor ?? undefined;
        } while (cursor);
        if (options.json) printJson(items.map(toJson));
        else
          printTable(items.map(orNever), [
            'id',
            'name',
            'state',
            'scopes',
            'expiresAt',
            'lastUsedAt',
            'displayHint',
            ...(options.resource ? ['role', 'botId'] : []),
          ]);
      }),
    );

  for (const [name, description] of [
    ['revoke', 'revoke a token: it stops working at once (a revoked token stays revoked: exit 0)'],
    ['rotate', 'replace the token string of an active token; the old string stops working'],
  ] as const) {
    group
      .command(name)
      .description(description)
      .argument('<id>', 'the token id (tok_…)')
      .option('--json', 'print JSON')
      .action(async (id: string, options) =>
        context.run(FLAGS, async () => {
          if (name === 'revoke') {
            const { token: view, alreadyRevoked } = (await context.admin('tokens.revoke', { id })) as {
              token: View;
              alreadyRevoked: boolean;
            };
            if (options.json) printJson({ ...toJson(view), already_revoked: alreadyRevoked });
            else if (alreadyRevoked)
              process.stdout.write(`${view.id} (${view.name}) was already revoked at ${view.revokedAt}\n`);
            else process.stdout.write(`revoked ${view.id} (${view.name})\n`);
          } else {
            showIssued(
              (await context.admin('tokens.rotate', { id })) as Json<IssuedAccessToken>,
              options.json,
            );
          }
        }),
      );
  }
};
