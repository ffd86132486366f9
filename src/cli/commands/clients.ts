import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CLIENT_AUTH_METHODS, type ClientKeysInput } from '../../domain/clients/client-keys.ts';
import { usageError } from '../cli-error.ts';
import {
  APPLICATION_TYPES,
  type ApplicationType,
  type ClientView,
  GRANT_TYPES,
  type GrantType,
  type UpdateClientInput,
} from '../../domain/clients/client.ts';
import { parseDuration } from '../duration.ts';
import { parseScopeList } from '../../domain/scopes/scope-list.ts';
import type { CommandContext } from '../command-context.ts';
import { type Json, printFields, printJson, printTable } from '../output.ts';

type CreatedJson = { clientId: string; clientSecret: string | null; client: Json<ClientView> };

const FLAGS = {
  name: '--name',
  grantTypes: '--grant-types',
  resources: '--resources',
  scopes: '--scopes',
  introspects: '--introspects',
  type: '--type',
  redirectUris: '--redirect-uris',
  postLogoutRedirectUris: '--post-logout-redirect-uris',
  refreshTokenAbsoluteTtl: '--refresh-token-ttl',
  refreshTokenIdleTtl: '--refresh-token-idle-ttl',
  keepOldForSeconds: '--keep-old-for',
  dpopBoundAccessTokens: '--require-dpop',
  tokenEndpointAuthMethod: '--auth-method',
  jwks: '--jwks-file',
  jwksUri: '--jwks-uri',
};

const REQUIRE_DPOP_HELP =
  'every token request must carry a DPoP proof (RFC 9449), so all its tokens are bound to its key';

const AUTH_METHOD_HELP = `${CLIENT_AUTH_METHODS.join(' | ')}: a secret (the default), or signed JWT assertions (RFC 7523) checked against the client's public keys (--jwks-file or --jwks-uri)`;

/** The public JWKS in the file --jwks-file names; the domain checks what it holds. */
const readJwksFile = async (path: string | undefined): Promise<unknown> => {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(
      `--jwks-file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw usageError(`--jwks-file ${path} is not JSON: it must hold a JSON Web Key Set ({"keys": [...]})`);
  }
};

/** The key options of create and update, as the domain takes them. */
const keyOptions = async (options: { authMethod?: string; jwksFile?: string; jwksUri?: string }) => ({
  tokenEndpointAuthMethod: options.authMethod,
  jwks: await readJwksFile(options.jwksFile),
  jwksUri: options.jwksUri,
});

/** Applications sign people in; services get tokens for themselves. */
const defaultGrantTypes = (type: string): string =>
  type === 'service' ? 'client_credentials' : 'authorization_code,refresh_token';

const uriList = (value: string | undefined): string[] | undefined =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((uri) => uri.trim())
        .filter((uri) => uri !== '');

const seconds = (value: string | undefined, flag: string): number | undefined =>
  value === undefined ? undefined : parseDuration(value, flag);

const list = (value: string | undefined): string[] => (value ? parseScopeList(value) : []);

const toJson = (client: Json<ClientView>) => ({
  client_id: client.clientId,
  name: client.name,
  type: client.applicationType,
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  grant_types: client.grantTypes,
  redirect_uris: client.redirectUris,
  post_logout_redirect_uris: client.postLogoutRedirectUris,
  resources: client.resources,
  scopes: client.scopes,
  introspects: client.introspects,
  refresh_token_absolute_ttl: client.refreshTokenAbsoluteTtl,
  refresh_token_idle_ttl: client.refreshTokenIdleTtl,
  dpop_bound_access_tokens: client.dpopBoundAccessTokens,
  ...(client.jwks ? { jwks: client.jwks } : {}),
  ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
  created_at: client.createdAt,
  updated_at: client.updatedAt,
  secret_rotated_at: client.secretRotatedAt,
  previous_secret_expires_at: client.previousSecretExpiresAt,
  registered_via: client.registeredVia,
});

const showClient = (client: Json<ClientView>) =>
  printFields({
    'client id': client.clientId,
    name: client.name,
    type: client.applicationType,
    'token auth': client.tokenEndpointAuthMethod,
    ...(client.jwks ? { 'public keys': client.jwks.keys.map((key) => String(key.kid ?? key.kty)) } : {}),
    ...(client.jwksUri ? { 'jwks uri': client.jwksUri } : {}),
    'grant types': client.grantTypes,
    'redirect uris': client.redirectUris,
    resources: client.resources,
    scopes: client.scopes,
    introspects: client.introspects,
    'requires DPoP': client.dpopBoundAccessTokens ? 'yes' : 'no',
    created: client.createdAt,
    ...(client.tokenEndpointAuthMethod === 'private_key_jwt'
      ? {}
      : { 'secret rotated': client.secretRotatedAt ?? 'never' }),
    ...(client.previousSecretExpiresAt ? { 'old secret works until': client.previousSecretExpiresAt } : {}),
    ...(client.registeredVia ? { 'registered via': client.registeredVia } : {}),
  });

const showSecret = (created: CreatedJson, json: boolean) => {
  if (json) {
    const { client_id: _id, ...metadata } = toJson(created.client);
    printJson({ client_id: created.clientId, client_secret: created.clientSecret, ...metadata });
    return;
  }
  showClient(created.client);
  if (created.clientSecret === null && created.client.tokenEndpointAuthMethod === 'private_key_jwt') {
    process.stdout.write(
      `\nclient_id: ${created.clientId}\n\nNo secret: the client authenticates with JWTs signed by its private key (private_key_jwt).\n`,
    );
    return;
  }
  if (created.clientSecret === null) {
    process.stdout.write(
      `\nclient_id: ${created.clientId}\n\nA public client: no secret. It signs people in with authorization code + PKCE.\n`,
    );
    return;
  }
  process.stdout.write(
    `\nclient_id:     ${created.clientId}\nclient_secret: ${created.clientSecret}\n\n` +
      'Store the secret now: it is shown only once. Tessera keeps only a hash of it.\n',
  );
};

export const registerClientCommands = (program: Command, context: CommandContext): void => {
  const group = program
    .command('clients')
    .description(
      'OAuth clients: services that get tokens, resource servers that introspect, and applications people sign in to',
    );

  group
    .command('create')
    .description('register a client; prints its client_id and (for service and web) its client_secret once')
    .requiredOption('--name <name>', 'a display name')
    .option(
      '--type <type>',
      `${APPLICATION_TYPES.join(' | ')}: service gets tokens for itself; web (confidential), spa and native (public, PKCE) sign people in`,
      'service',
    )
    .option(
      '--grant-types <types>',
      `comma-separated grant types: ${GRANT_TYPES.join(', ')} (default: client_credentials for a service, authorization_code,refresh_token for an application)`,
    )
    .option(
      '--redirect-uris <uris>',
      'comma-separated redirect URIs (https; native apps also http://127.0.0.1 or com.example.app:/cb)',
    )
    .option('--post-logout-redirect-uris <uris>', 'comma-separated URIs to return to after sign-out')
    .option(
      '--resources <uris>',
      'comma-separated API identifiers it may get tokens for; the first is its default',
    )
    .option('--scopes <scopes>', 'space- or comma-separated scopes it may request')
    .option('--introspects <uris>', 'comma-separated API identifiers whose tokens it may introspect')
    .option(
      '--refresh-token-ttl <duration>',
      'absolute refresh-token lifetime from sign-in, e.g. 30d (default 14d)',
    )
    .option('--refresh-token-idle-ttl <duration>', 'how long an unused refresh token lives, e.g. 7d')
    .option('--require-dpop', REQUIRE_DPOP_HELP)
    .option('--auth-method <method>', AUTH_METHOD_HELP)
    .option(
      '--jwks-file <path>',
      "private_key_jwt: a file holding the client's public JWKS (never its private key)",
    )
    .option('--jwks-uri <uri>', 'private_key_jwt: the https URL the client serves its public JWKS at')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const type = options.type as ApplicationType;
        const created = (await context.admin('clients.create', {
          name: options.name,
          type,
          grantTypes: list(options.grantTypes ?? defaultGrantTypes(type)) as GrantType[],
          redirectUris: uriList(options.redirectUris) ?? [],
          postLogoutRedirectUris: uriList(options.postLogoutRedirectUris) ?? [],
          resources: list(options.resources),
          scopes: list(options.scopes),
          introspects: list(options.introspects),
          refreshTokenAbsoluteTtl: seconds(options.refreshTokenTtl, FLAGS.refreshTokenAbsoluteTtl) ?? null,
          refreshTokenIdleTtl: seconds(options.refreshTokenIdleTtl, FLAGS.refreshTokenIdleTtl) ?? null,
          dpopBoundAccessTokens: options.requireDpop === true,
          ...(await keyOptions(options)),
        })) as CreatedJson;
        showSecret(created, options.json);
      }),
    );

  group
    .command('update')
    .description('change a client; flags not given keep their value (its type cannot change)')
    .argument('<client-id>', 'the client id')
    .option('--name <name>', 'a display name')
    .option('--grant-types <types>', `comma-separated grant types: ${GRANT_TYPES.join(', ')}`)
    .option('--redirect-uris <uris>', 'comma-separated redirect URIs (replaces the list)')
    .option('--post-logout-redirect-uris <uris>', 'comma-separated URIs to return to after sign-out')
    .option('--resources <uris>', 'comma-separated API identifiers (replaces the list)')
    .option('--scopes <scopes>', 'space- or comma-separated scopes (replaces the list)')
    .option('--introspects <uris>', 'comma-separated API identifiers whose tokens it may introspect')
    .option('--refresh-token-ttl <duration>', 'absolute refresh-token lifetime, e.g. 30d')
    .option('--refresh-token-idle-ttl <duration>', 'how long an unused refresh token lives, e.g. 7d')
    .option('--require-dpop', REQUIRE_DPOP_HELP)
    .option('--no-require-dpop', 'token requests without a DPoP proof get Bearer tokens again')
    .option(
      '--auth-method <method>',
      'private_key_jwt: authenticate with signed JWTs instead of the secret (which stops working)',
    )
    .option(
      '--jwks-file <path>',
      "private_key_jwt: a file holding the client's public JWKS (replaces its keys)",
    )
    .option('--jwks-uri <uri>', 'private_key_jwt: the https URL the client serves its public JWKS at')
    .option('--json', 'print JSON')
    .action(async (clientId: string, options) =>
      context.run(FLAGS, async () => {
        const changes: UpdateClientInput & ClientKeysInput = {
          ...(await keyOptions(options)),
          name: options.name,
          grantTypes:
            options.grantTypes === undefined ? undefined : (list(options.grantTypes) as GrantType[]),
          redirectUris: uriList(options.redirectUris),
          postLogoutRedirectUris: uriList(options.postLogoutRedirectUris),
          resources: options.resources === undefined ? undefined : list(options.resources),
          scopes: options.scopes === undefined ? undefined : list(options.scopes),
          introspects: options.introspects === undefined ? undefined : list(options.introspects),
          refreshTokenAbsoluteTtl: seconds(options.refreshTokenTtl, FLAGS.refreshTokenAbsoluteTtl),
          refreshTokenIdleTtl: seconds(options.refreshTokenIdleTtl, FLAGS.refreshTokenIdleTtl),
          dpopBoundAccessTokens: options.requireDpop as boolean | undefined,
        };
        const client = (await context.admin('clients.update', { clientId, changes })) as Json<ClientView>;
        if (options.json) printJson(toJson(client));
        else showClient(client);
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
        else printTable(clients, ['clientId', 'name', 'grantTypes', 'resources', 'scopes', 'registeredVia']);
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
    .description(
      'replace the client secret; prints the new one once; the old one stops working (or at --keep-old-for)',
    )
    .argument('<client-id>', 'the client id')
    .option(
      '--keep-old-for <duration>',
      'keep the old secret working this long (e.g. 24h, 7d; at most 30d), for a rollout without downtime',
    )
    .option('--json', 'print JSON')
    .action(async (clientId: string, options) =>
      context.run(FLAGS, async () => {
        const keepOldForSeconds = seconds(options.keepOldFor, FLAGS.keepOldForSeconds);
        showSecret(
          (await context.admin('clients.rotate-secret', { clientId, keepOldForSeconds })) as CreatedJson,
          options.json,
        );
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
