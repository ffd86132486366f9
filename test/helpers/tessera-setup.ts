import { cliJson } from './tessera-process.ts';

/** Registers the APIs and clients most end-to-end tests use, through the CLI as an operator would. */
export const JWT_API = 'https://api.example.test';
export const OPAQUE_API = 'https://opaque.example.test';

export type RegisteredClient = { client_id: string; client_secret: string };

export const registerFixtures = async (env: Record<string, string>) => {
  await cliJson(env, [
    'api-resources',
    'create',
    '--identifier',
    JWT_API,
    '--name',
    'Example API',
    '--format',
    'jwt',
    '--scopes',
    'groups:read-only groups:read-write',
    '--ttl',
    '300',
  ]);
  await cliJson(env, [
    'api-resources',
    'create',
    '--identifier',
    OPAQUE_API,
    '--name',
    'Opaque API',
    '--format',
    'opaque',
    '--scopes',
    'instances:read-only',
  ]);
  const billing = await cliJson<RegisteredClient>(env, [
    'clients',
    'create',
    '--name',
    'billing',
    '--grant-types',
    'client_credentials',
    '--resources',
    `${JWT_API},${OPAQUE_API}`,
    '--scopes',
    'groups:read-only instances:read-only',
  ]);
  const resourceServer = await cliJson<RegisteredClient>(env, [
    'clients',
    'create',
    '--name',
    'opaque-api',
    '--grant-types',
    'client_credentials',
    '--resources',
    OPAQUE_API,
    '--introspects',
    `${OPAQUE_API},${JWT_API}`,
  ]);
  const other = await cliJson<RegisteredClient>(env, [
    'clients',
    'create',
    '--name',
    'other',
    '--grant-types',
    'client_credentials',
    '--resources',
    OPAQUE_API,
  ]);
  return { billing, resourceServer, other };
};

export const basicAuth = (client: RegisteredClient): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64')}`;

export const form = (values: Record<string, string>) => new URLSearchParams(values).toString();

/** POSTs a form to Tessera, authenticated with client_secret_basic. */
export const postForm = async (
  url: string,
  client: RegisteredClient | undefined,
  values: Record<string, string>,
) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(client ? { authorization: basicAuth(client) } : {}),
    },
    body: form(values),
  });

/** The opaque API the application-client tests sign people in for, and its resource server. */
export const ORDERS_API = 'https://orders.example.test';

export const createOrdersApi = (env: Record<string, string>, scopes = 'groups:read-only groups:read-write') =>
  cliJson(env, [
    'api-resources',
    'create',
    '--identifier',
    ORDERS_API,
    '--name',
    'Orders API',
    '--format',
    'opaque',
    '--scopes',
    scopes,
  ]);

/** `orders-api`, which introspects the Orders API's tokens; `extra` adds `clients create` flags. */
export const createOrdersResourceServer = <T = RegisteredClient>(
  env: Record<string, string>,
  extra: string[] = [],
) =>
  cliJson<T>(env, [
    'clients',
    'create',
    '--name',
    'orders-api',
    '--grant-types',
    'client_credentials',
    '--resources',
    ORDERS_API,
    '--introspects',
    ORDERS_API,
    ...extra,
  ]);
