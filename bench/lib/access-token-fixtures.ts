import { randomBytes } from 'node:crypto';
import { inBatches } from './tessera-storage.ts';
import { cli, type TesseraSetup } from './targets.ts';

/**
 * Personal and resource access tokens for scenarios 4, 5, 7 and the PAT memory figure. The people
 * and the resource are set up the way an operator does it, with the CLI: an administrator, a user
 * who is maintainer of groups/42, each with a PAT that carries tokens:write, and one PAT and one
 * RAT made by the CLI itself. The many tokens a scenario rotates over are then created through
 * the management API with the maintainer's PAT, as a platform would — hundreds of CLI processes
 * would take minutes.
 */
export const BENCH_RESOURCE = { type: 'groups', id: '42' } as const;
/** What the loaded PATs and RATs carry: a developer RAT keeps both (read-only on groups). */
export const TOKEN_SCOPES = ['groups:read-only', 'applications:read-write'];
export const RAT_ROLE = 'developer';

export type AccessTokenFixtures = {
  /** An administrator's PAT with tokens:write: scenario 7 creates tokens with it. */
  adminPat: string;
  /** The maintainer's PAT with tokens:write and the resource scopes the bulk tokens carry. */
  memberPat: string;
  memberId: string;
  /** Made by the CLI: a PAT of the maintainer and a developer RAT on groups/42. */
  cliPat: string;
  cliRat: string;
};

type CliToken = { token: string; id: string };
type CliUser = { id: string; username: string };

const opened = new WeakMap<TesseraSetup, Promise<AccessTokenFixtures>>();

const create = async (setup: TesseraSetup): Promise<AccessTokenFixtures> => {
  const { env } = setup;
  // Random passwords, never printed: nobody signs in as these users.
  const password = () => `${randomBytes(24).toString('base64url')}\n`;
  const [admin, member] = await Promise.all([
    cli<CliUser>(
      env,
      ['users', 'create', '--username', 'bench-admin', '--admin', '--password-stdin'],
      password(),
    ),
    cli<CliUser>(env, ['users', 'create', '--username', 'bench-maintainer', '--password-stdin'], password()),
  ]);
  const resource = `${BENCH_RESOURCE.type}/${BENCH_RESOURCE.id}`;
  await cli(env, ['resources', 'put', BENCH_RESOURCE.type, BENCH_RESOURCE.id, '--name', 'Bench group']);
  await cli(env, [
    'resources',
    'members',
    'put',
    BENCH_RESOURCE.type,
    BENCH_RESOURCE.id,
    member.username,
    '--role',
    'maintainer',
  ]);
  const scopes = TOKEN_SCOPES.join(' ');
  const [adminPat, memberPat, cliPat, cliRat] = await Promise.all([
    cli<CliToken>(env, [
      'tokens',
      'create',
      '--user',
      admin.username,
      '--name',
      'bench-management',
      '--scopes',
      'tokens:write',
      '--expires-in-days',
      '2',
    ]),
    // A token made with a token stays within its scopes: this one must carry what the bulk carry.
    cli<CliToken>(env, [
      'tokens',
      'create',
      '--user',
      member.username,
      '--name',
      'bench-management',
      '--scopes',
      `tokens:write groups:read-write applications:read-write`,
      '--expires-in-days',
      '2',
    ]),
    cli<CliToken>(env, [
      'tokens',
      'create',
      '--user',
      member.username,
      '--name',
      'bench-cli-pat',
      '--scopes',
      scopes,
      '--expires-in-days',
      '1',
    ]),
    cli<CliToken>(env, [
      'tokens',
      'create',
      '--resource',
      resource,
      '--role',
      RAT_ROLE,
      '--name',
      'bench-cli-rat',
      '--scopes',
      scopes,
      '--expires-in-days',
      '1',
    ]),
  ]);
  return {
    adminPat: adminPat.token,
    memberPat: memberPat.token,
    memberId: member.id,
    cliPat: cliPat.token,
    cliRat: cliRat.token,
  };
};

/** Created once per Tessera set-up, on first use. */
export const accessTokenFixtures = (setup: TesseraSetup): Promise<AccessTokenFixtures> => {
  let fixtures = opened.get(setup);
  if (!fixtures) {
    fixtures = create(setup);
    opened.set(setup, fixtures);
  }
  return fixtures;
};

/** POSTs JSON to the management API; the created token's string. */
const postToken = async (url: string, bearer: string, body: unknown): Promise<string> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { token?: string };
  if (response.status !== 201 || !json.token)
    throw new Error(`POST ${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json.token;
};

/**
 * `count` tokens through the management API with the maintainer's PAT, 16 requests at a time:
 * personal ones (`POST /v1/access-tokens`) or developer RATs on groups/42.
 */
export const createAccessTokens = async (
  setup: TesseraSetup,
  kind: 'personal' | 'resource',
  count: number,
): Promise<string[]> => {
  const fixtures = await accessTokenFixtures(setup);
  const base = setup.target.url;
  const url =
    kind === 'personal'
      ? `${base}/v1/access-tokens`
      : `${base}/v1/resources/${BENCH_RESOURCE.type}/${BENCH_RESOURCE.id}/access-tokens`;
  // Names are unique among a subject's (or a resource's) active tokens.
  const batch = randomBytes(4).toString('hex');
  const tokens: string[] = [];
  await inBatches(
    Array.from({ length: count }, (_, index) => index),
    16,
    async (index) => {
      tokens.push(
        await postToken(url, fixtures.memberPat, {
          name: `bench-${kind}-${batch}-${index}`,
          scopes: TOKEN_SCOPES,
          expires_in_days: 1,
          ...(kind === 'resource' ? { role: RAT_ROLE } : {}),
        }),
      );
    },
  );
  return tokens;
};
