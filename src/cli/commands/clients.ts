import type { Command } from 'commander';
import { type ClientView, GRANT_TYPES, type GrantType } from '../../domain/clients/client.ts';
import { parseScopeList } from '../../domain/scopes/scope-list.ts';
import type { CommandContext } from '../command-context.ts';
import { type Json, printFields, printJson, printTable } from '../output.ts';

type CreatedJson = { clientId: string; clientSecret: string; client: Json<ClientView> };

const FLAGS = {
  name: '--name',
  grantTypes: '--grant-types',
  resources: '--resources',
  scopes: '--scopes',
  introspects: '--introspects',
};

const list = (value: string | undefined): string[] => (value ? parseScopeList(value) : []);

const toJson = (client: Json<ClientView>) => ({
  client_id: client.clientId,
  name: client.name,
  grant_types: client.grantTypes,
  resources: client.resources,
  scopes: client.scopes,
  introspects: client.introspects,
  created_at: client.createdAt,
  updated_at: client.updatedAt,
  secret_rotated_at: client.secretRotatedAt,
});

const showClient = (client: Json<ClientView>) =>
  printFields({
    'client id': client.clientId,
    name: client.name,
    'grant types': client.grantTypes,
    resources: client.resources,
    scopes: client.scopes,
    introspects: client.introspects,
    created: client.createdAt,
    'secret rotated': client.secretRotatedAt ?? 'never',
  });

const showSecret = (created: CreatedJson, json: boolean) => {
  if (json) {
    const { client_id: _id, ...metadata } = toJson(created.client);
    printJson({ client_id: created.clientId, client_secret: created.clientSecret, ...metadata });
    return;
  }
  showClient(created.client);
  process.stdout.write(
    `\nclient_id:     ${created.clientId}\nclient_secret: ${created.clientSecret}\n\n` +
      'Store the secret now: it is shown only once. Tessera keeps only a hash of it.\n',
  );
};

export const registerClientCommands = (program: Command, context: CommandContext): void => {
  const group = program
    .command('clients')
    .description('OAuth clients: services that get tokens, and resource servers that introspect');

  group
    .command('create')
    .description('register a client; prints its client_id and client_secret once')
    .requiredOption('--name <name>', 'a display name')
    .option(
      '--grant-types <types>',
      `comma-separated grant types: ${GRANT_TYPES.join(', ')}`,
      'client_credentials',
    )
    .option(
      '--resources <uris>',
      'comma-separated API identifiers it may get tokens for; the first is its default',
    )
    .option('--scopes <scopes>', 'space- or comma-separated scopes it may request')
    .option('--introspects <uris>', 'comma-separated API identifiers whose tokens it may introspect')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const created = (await context.admin('clients.create', {
          name: options.name,
          grantTypes: list(options.grantTypes) as GrantType[],
          resources: list(options.resources),
          scopes: list(options.scopes),
          introspects: list(options.introspects),
        })) as CreatedJson;
        showSecret(created, options.json);
      }),
    );

  group
    .command('list')
    .description('list clients')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const clients = (await context.admin('clients.list', undefined)) as Json<ClientView>[];
        if (options.json) printJson(clients.map(toJson));
        else printTable(clients, ['clientId', 'name', 'grantTypes', 'resources', 'scopes']);
      }),
    );

  group
    .command('show')
    .description('show one client (never its secret)')
    .argument('<client-id>', 'the client id')
    .option('--json', 'print JSON')
    .action(async (clientId: string, options) =>
      context.run(FLAGS, async () => {
        const client = (await context.admin('clients.get', { clientId })) as Json<ClientView>;
        if (options.json) printJson(toJson(client));
        else showClient(client);
      }),
    );

  group
    .command('rotate-secret')
    .description('replace the client secret; prints the new one once, the old one stops working')
    .argument('<client-id>', 'the client id')
    .option('--json', 'print JSON')
    .action(async (clientId: string, options) =>
      context.run(FLAGS, async () => {
        showSecret((await context.admin('clients.rotate-secret', { clientId })) as CreatedJson, options.json);
      }),
    );

  group
    .command('delete')
    .description('delete a client; its tokens stop introspecting as active')
    .argument('<client-id>', 'the client id')
    .option('--json', 'print JSON')
    .action(async (clientId: string, options) =>
      context.run(FLAGS, async () => {
        await context.admin('clients.delete', { clientId });
        if (options.json) printJson({ deleted: clientId });
        else process.stdout.write(`deleted client ${clientId}\n`);
      }),
    );
};
