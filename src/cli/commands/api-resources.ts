import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { ApiResource } from '../../domain/api-resources/api-resource.ts';
import {
  DEFAULT_ACCESS_TOKEN_TTL,
  SIGNING_ALGS,
  TOKEN_FORMATS,
} from '../../domain/api-resources/api-resource.ts';
import { parseScopeList } from '../../domain/scopes/scope-list.ts';
import type { CommandContext } from '../command-context.ts';
import { type Json, printFields, printJson, printTable } from '../output.ts';

const FLAGS = {
  identifier: '--identifier',
  name: '--name',
  format: '--format',
  accessTokenTtl: '--ttl',
  scopes: '--scopes',
  signingAlg: '--signing-alg',
};

const toJson = (api: Json<ApiResource>) => ({
  identifier: api.identifier,
  name: api.name,
  format: api.format,
  access_token_ttl: api.accessTokenTtl,
  scopes: api.scopes,
  signing_alg: api.signingAlg,
  created_at: api.createdAt,
  updated_at: api.updatedAt,
});

const show = (api: Json<ApiResource>, json: boolean) =>
  json
    ? printJson(toJson(api))
    : printFields({
        identifier: api.identifier,
        name: api.name,
        format: api.format,
        'access token ttl': `${api.accessTokenTtl}s`,
        'signing alg': api.format === 'jwt' ? api.signingAlg : '- (opaque)',
        scopes: api.scopes,
        created: api.createdAt,
      });

const integer = (flag: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be a whole number`);
  return Number(value);
};

export const registerApiResourceCommands = (program: Command, context: CommandContext): void => {
  const group = program
    .command('api-resources')
    .description(
      'APIs that accept Tessera tokens: their identifier (audience), token format, TTL and scopes',
    );

  group
    .command('create')
    .description('register an API resource')
    .requiredOption('--identifier <uri>', 'the API identifier: RFC 8707 resource value and token audience')
    .requiredOption('--name <name>', 'a display name')
    .addOption(new Option('--format <format>', 'access token format').choices(TOKEN_FORMATS).default('jwt'))
    .option('--scopes <scopes>', 'space- or comma-separated scopes the API defines', '')
    .option('--ttl <seconds>', 'access token lifetime in seconds', integer('--ttl'), DEFAULT_ACCESS_TOKEN_TTL)
    .addOption(
      new Option('--signing-alg <alg>', 'JWT signing algorithm').choices(SIGNING_ALGS).default('ES256'),
    )
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const api = (await context.admin('api-resources.create', {
          identifier: options.identifier,
          name: options.name,
          format: options.format,
          scopes: parseScopeList(options.scopes),
          accessTokenTtl: options.ttl,
          signingAlg: options.signingAlg,
        })) as Json<ApiResource>;
        show(api, options.json);
      }),
    );

  group
    .command('list')
    .description('list API resources')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const apis = (await context.admin('api-resources.list', undefined)) as Json<ApiResource>[];
        if (options.json) printJson(apis.map(toJson));
        else printTable(apis, ['identifier', 'name', 'format', 'accessTokenTtl', 'signingAlg', 'scopes']);
      }),
    );

  group
    .command('show')
    .description('show one API resource')
    .argument('<identifier>', 'the API identifier')
    .option('--json', 'print JSON')
    .action(async (identifier: string, options) =>
      context.run(FLAGS, async () => {
        show((await context.admin('api-resources.get', { identifier })) as Json<ApiResource>, options.json);
      }),
    );

  group
    .command('delete')
    .description('delete an API resource that no client uses')
    .argument('<identifier>', 'the API identifier')
    .option('--json', 'print JSON')
    .action(async (identifier: string, options) =>
      context.run({}, async () => {
        await context.admin('api-resources.delete', { identifier });
        if (options.json) printJson({ deleted: identifier });
        else process.stdout.write(`deleted API resource ${identifier}\n`);
      }),
    );
};
