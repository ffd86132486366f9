import { cliJson, runCli } from './tessera-process.ts';
import { postForm, type RegisteredClient } from './tessera-setup.ts';

/**
 * People, the platform's resource tree, personal and resource access tokens, and RFC 8693 token
 * exchange, set up through the CLI and `/token` as an operator and a client would.
 */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export type IssuedToken = { token: string; id: string; bot_id?: string };

export const createUser = async (
  env: Record<string, string>,
  username: string,
  options: string[] = [],
): Promise<string> => {
  const result = await runCli(
    env,
    ['users', 'create', '--username', username, '--password-stdin', '--json', ...options],
    'correct horse battery staple\n',
  );
  if (result.code !== 0) throw new Error(`users create ${username} failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { id: string }).id;
};

/**
 * Resources as `type/id` with their parent (null for a root). Each is put as soon as its parent is
 * there, so siblings go in parallel: every CLI call is a Node start.
 */
export const putResources = async (
  env: Record<string, string>,
  resources: [ref: string, parent: string | null][],
): Promise<void> => {
  const done = new Map<string, Promise<unknown>>();
  for (const [ref, parent] of resources) {
    const [type, id] = ref.split('/') as [string, string];
    const after = (parent && done.get(parent)) || Promise.resolve();
    done.set(
      ref,
      after.then(() =>
        cliJson(env, ['resources', 'put', type, id, '--name', ref, ...(parent ? ['--parent', parent] : [])]),
      ),
    );
  }
  await Promise.all(done.values());
};

export const putMember = async (
  env: Record<string, string>,
  ref: string,
  subject: string,
  role: string,
): Promise<void> => {
  const [type, id] = ref.split('/') as [string, string];
  await cliJson(env, ['resources', 'members', 'put', type, id, subject, '--role', role]);
};

export const createPat = (
  env: Record<string, string>,
  username: string,
  scopes: string,
  options: string[] = ['--expires-in-days', '30'],
): Promise<IssuedToken> =>
  cliJson<IssuedToken>(env, [
    'tokens',
    'create',
    '--user',
    username,
    '--name',
    `pat ${Math.random()}`,
    '--scopes',
    scopes,
    ...options,
  ]);

export const createRat = (
  env: Record<string, string>,
  ref: string,
  role: string,
  scopes: string,
): Promise<IssuedToken> =>
  cliJson<IssuedToken>(env, [
    'tokens',
    'create',
    '--resource',
    ref,
    '--role',
    role,
    '--name',
    `rat ${Math.random()}`,
    '--scopes',
    scopes,
    '--expires-in-days',
    '30',
  ]);

/** POSTs an RFC 8693 token exchange; `values` add to or override the defaults. */
export const exchange = (
  issuer: string,
  client: RegisteredClient | undefined,
  subjectToken: string,
  values: Record<string, string> = {},
) =>
  postForm(`${issuer}/token`, client, {
    grant_type: TOKEN_EXCHANGE,
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
    ...values,
  });

export type ExchangeResponse = {
  access_token: string;
  issued_token_type: string;
  token_type: string;
  expires_in: number;
  scope: string;
};

/** Exchanges and returns the answer, failing loudly with Tessera's error otherwise. */
export const exchanged = async (
  issuer: string,
  client: RegisteredClient,
  subjectToken: string,
  values: Record<string, string> = {},
): Promise<ExchangeResponse> => {
  const response = await exchange(issuer, client, subjectToken, values);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`token exchange failed (${response.status}): ${body}`);
  return JSON.parse(body) as ExchangeResponse;
};
