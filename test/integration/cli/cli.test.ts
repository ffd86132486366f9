import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config/load-config.ts';
import { resolveSecrets } from '../../../src/config/resolve-secrets.ts';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import { CLIENT_SECRET_HASH_PURPOSE } from '../../../src/domain/clients/client-secret.ts';
import { generateKeys } from '../../../src/keys/generate-keys.ts';
import { listKeys } from '../../../src/keys/key-ring.ts';
import { readKeyFile } from '../../../src/keys/key-file.ts';
import { rotateKeys } from '../../../src/keys/rotate-keys.ts';
import { openStorage } from '../../../src/storage/open-storage.ts';
import { type CliResult, cliJson, runCli, suiteScope, testEnv } from '../../helpers/tessera-process.ts';

/**
 * The real CLI in child processes, embedded profile, no server running: each command that needs
 * records opens (and migrates) the PGlite database in the test's data directory itself.
 */
const ORDERS = 'https://api.test/orders';
const BILLING = 'https://api.test/billing';

/** Asserts a failed run whose stderr matches `message`, with commander's usage exit code or ours. */
const fails = (result: CliResult, message: RegExp, code: number) => {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  assert.match(result.stderr, message);
  assert.equal(result.stdout, '');
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

type ApiJson = {
  identifier: string;
  name: string;
  format: string;
  access_token_ttl: number;
  scopes: string[];
  signing_alg: string;
};
type ClientJson = {
  client_id: string;
  name: string;
  grant_types: string[];
  resources: string[];
  scopes: string[];
  introspects: string[];
  secret_rotated_at: string | null;
};
type CreatedClientJson = ClientJson & { client_secret: string };
type KeyJson = { kid: string; alg: string; status: string; kept_because?: string; retirable_at?: string };

describe('the tessera CLI: usage', () => {
  test('prints help for the program and for commands, listing their flags', async (t) => {
    const env = testEnv(t);
    const [program, clientsCreate, apiCreate, keysRotate] = await Promise.all([
      runCli(env, ['--help']),
      runCli(env, ['clients', 'create', '--help']),
      runCli(env, ['api-resources', 'create', '--help']),
      runCli(env, ['keys', 'rotate', '--help']),
    ]);
    for (const result of [program, clientsCreate, apiCreate, keysRotate]) {
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Usage: tessera/);
    }
    for (const command of ['serve', 'migrate', 'api-resources', 'clients', 'keys']) {
      assert.match(program.stdout, new RegExp(`^  ${command}\\b`, 'm'), command);
    }
    for (const flag of ['--name', '--grant-types', '--resources', '--scopes', '--introspects', '--json']) {
      assert.ok(clientsCreate.stdout.includes(flag), `clients create --help lists ${flag}`);
    }
    for (const flag of [
      '--identifier',
      '--name',
      '--format',
      '--scopes',
      '--ttl',
      '--signing-alg',
      '--json',
    ]) {
      assert.ok(apiCreate.stdout.includes(flag), `api-resources create --help lists ${flag}`);
    }
    for (const flag of ['--activate-in', '--alg', '--json']) {
      assert.ok(keysRotate.stdout.includes(flag), `keys rotate --help lists ${flag}`);
    }
  });

  test('refuses an unknown flag, naming it', async (t) => {
    fails(await runCli(testEnv(t), ['clients', 'list', '--verbose']), /unknown option '--verbose'/, 2);
  });

  test('refuses an unsupported --format, naming the flag and the choices', async (t) => {
    fails(
      await runCli(testEnv(t), [
        'api-resources',
        'create',
        '--identifier',
        ORDERS,
        '--name',
        'Orders',
        '--format',
        'xml',
      ]),
      /--format.*'xml' is invalid.*jwt, opaque/,
      2,
    );
  });

  test('refuses a --ttl that is not a whole number, naming the flag', async (t) => {
    fails(
      await runCli(testEnv(t), [
        'api-resources',
        'create',
        '--identifier',
        ORDERS,
        '--name',
        'Orders',
        '--ttl',
        'abc',
      ]),
      /--ttl must be a whole number/,
      2,
    );
  });

  test('exits 2 for a usage mistake the command itself catches, as for one commander catches', async (t) => {
    const env = testEnv(t);
    const [neither, noRole] = await Promise.all([
      runCli(env, ['tokens', 'create', '--name', 'ci', '--scopes', 'tokens:read']),
      runCli(env, [
        'tokens',
        'create',
        '--resource',
        'groups/42',
        '--name',
        'ci',
        '--scopes',
        'groups:read-only',
      ]),
    ]);
    fails(neither, /^error: give exactly one of --user \(personal token\) or --resource/, 2);
    fails(noRole, /^error: --role is required with --resource/, 2);
  });

  test('refuses an invalid environment variable, naming it', async (t) => {
    fails(await runCli(testEnv(t, { PORT: 'abc' }), ['clients', 'list']), /PORT must be a port number/, 1);
  });
});

describe('the tessera CLI: API resources and clients', () => {
  const scope = suiteScope(after);
  let env: Record<string, string>;
  let created: CreatedClientJson;
  let rotatedSecret: string;

  before(() => {
    env = testEnv(scope);
  });

  test('refuses a --ttl longer than a day, naming the flag rather than the field', async () => {
    const result = await runCli(env, [
      'api-resources',
      'create',
      '--identifier',
      ORDERS,
      '--name',
      'Orders',
      '--ttl',
      '999999',
    ]);
    fails(result, /^error: --ttl must be at most 86400 seconds/, 2);
    assert.doesNotMatch(result.stderr, /accessTokenTtl/);
  });

  test('creates an API resource', async () => {
    const api = await cliJson<ApiJson>(env, [
      'api-resources',
      'create',
      '--identifier',
      ORDERS,
      '--name',
      'Orders API',
      '--scopes',
      'orders:read, orders:write',
      '--ttl',
      '600',
    ]);
    assert.deepEqual(
      { ...api, created_at: undefined, updated_at: undefined },
      {
        identifier: ORDERS,
        name: 'Orders API',
        format: 'jwt',
        access_token_ttl: 600,
        scopes: ['orders:read', 'orders:write'],
        signing_alg: 'ES256',
        created_at: undefined,
        updated_at: undefined,
      },
    );
  });

  test('refuses a second API resource with the same identifier as a conflict', async () => {
    fails(
      await runCli(env, ['api-resources', 'create', '--identifier', ORDERS, '--name', 'Again']),
      /^error: --identifier An API resource with this identifier already exists\n$/,
      1,
    );
  });

  test('lists and shows the API resource', async () => {
    const listed = await cliJson<ApiJson[]>(env, ['api-resources', 'list']);
    assert.deepEqual(
      listed.map((api) => [api.identifier, api.name, api.scopes]),
      [
        [ORDERS, 'Orders API', ['orders:read', 'orders:write']],
        // Tessera's own management API, created by the migrations.
        [
          'urn:tessera:management',
          'Tessera management API',
          ['tokens:read', 'tokens:write', 'resources:write', 'admin', 'ssf'],
        ],
      ],
    );
    const shown = await cliJson<ApiJson>(env, ['api-resources', 'show', ORDERS]);
    assert.deepEqual(shown, listed[0]);
  });

  test('refuses a client for an unknown API resource, naming --resources', async () => {
    fails(
      await runCli(env, ['clients', 'create', '--name', 'Worker', '--resources', `${ORDERS},${BILLING}`]),
      /^error: --resources names unknown API resource\(s\): https:\/\/api\.test\/billing/,
      2,
    );
  });

  test('refuses a client scope that none of its API resources defines, naming --scopes', async () => {
    fails(
      await runCli(env, [
        'clients',
        'create',
        '--name',
        'Worker',
        '--resources',
        ORDERS,
        '--scopes',
        'orders:read,orders:delete',
      ]),
      /^error: --scopes orders:delete not defined by any of the client's API resources/,
      2,
    );
  });

  test('creates a client and prints its secret once', async () => {
    created = await cliJson<CreatedClientJson>(env, [
      'clients',
      'create',
      '--name',
      'Worker',
      '--resources',
      ORDERS,
      '--scopes',
      'orders:read',
    ]);
    assert.match(created.client_id, /^cl_/);
    assert.match(created.client_secret, /^tsr_cs_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.name, 'Worker');
    assert.deepEqual(created.grant_types, ['client_credentials']);
    assert.deepEqual(created.resources, [ORDERS]);
    assert.deepEqual(created.scopes, ['orders:read']);
    assert.deepEqual(created.introspects, []);
    assert.equal(created.secret_rotated_at, null);
  });

  test('lists and shows the client, never with its secret', async () => {
    const listed = await runCli(env, ['clients', 'list', '--json']);
    const shown = await runCli(env, ['clients', 'show', created.client_id, '--json']);
    for (const result of [listed, shown]) {
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!result.stdout.includes(created.client_secret));
      assert.ok(!result.stdout.includes('tsr_cs_'));
      assert.doesNotMatch(result.stdout, /secret"\s*:\s*"/);
    }
    const { client_secret: _secret, ...metadata } = created;
    assert.deepEqual(JSON.parse(listed.stdout), [metadata]);
    assert.deepEqual(JSON.parse(shown.stdout), metadata);
  });

  test('rotates the client secret, printing a new one', async () => {
    const rotated = await cliJson<CreatedClientJson>(env, ['clients', 'rotate-secret', created.client_id]);
    assert.equal(rotated.client_id, created.client_id);
    assert.match(rotated.client_secret, /^tsr_cs_/);
    assert.notEqual(rotated.client_secret, created.client_secret);
    assert.ok(rotated.secret_rotated_at, 'the rotation time is recorded');
    rotatedSecret = rotated.client_secret;
  });

  test('keeps only a hash of the current secret in the database', async () => {
    const config = loadConfig(env);
    const { pepper } = resolveSecrets(config);
    const storage = await openStorage(config, { pepper, migrate: false });
    try {
      const stored = await storage.repositories.clients.findById(created.client_id);
      assert.ok(stored?.secretHash);
      assert.notEqual(stored.secretHash, rotatedSecret);
      const hash = createPepperHash(pepper, CLIENT_SECRET_HASH_PURPOSE);
      assert.equal(hash.matches(rotatedSecret, stored.secretHash), true);
      assert.equal(hash.matches(created.client_secret, stored.secretHash), false);
    } finally {
      await storage.close();
    }
  });

  test('refuses to delete an API resource a client uses, naming the client', async () => {
    fails(
      await runCli(env, ['api-resources', 'delete', ORDERS]),
      new RegExp(
        `^error: .*API resource ${ORDERS.replaceAll('.', '\\.')} is used by client\\(s\\) ${created.client_id};`,
      ),
      1,
    );
  });

  test('deletes the client, then the API resource it no longer uses', async () => {
    assert.deepEqual(await cliJson(env, ['clients', 'delete', created.client_id]), {
      deleted: created.client_id,
    });
    assert.deepEqual(await cliJson(env, ['api-resources', 'delete', ORDERS]), { deleted: ORDERS });

    const config = loadConfig(env);
    const storage = await openStorage(config, { pepper: resolveSecrets(config).pepper, migrate: false });
    try {
      assert.deepEqual(await storage.repositories.clients.list(), []);
      assert.deepEqual(
        (await storage.repositories.apiResources.list()).map((api) => api.identifier),
        ['urn:tessera:management'],
      );
    } finally {
      await storage.close();
    }
  });
});

describe('the tessera CLI: built-in records', () => {
  test('refuses to delete, recreate or give a secret to what Tessera made for itself, saying why (exit 1)', async (t) => {
    const env = testEnv(t);
    const results = {
      deleteApi: await runCli(env, ['api-resources', 'delete', 'urn:tessera:management']),
      createApi: await runCli(env, [
        'api-resources',
        'create',
        '--identifier',
        'urn:tessera:management',
        '--name',
        'Mine',
      ]),
      deleteConsole: await runCli(env, ['clients', 'delete', 'tessera-console']),
      rotateConsole: await runCli(env, ['clients', 'rotate-secret', 'tessera-console', '--json']),
    };
    fails(
      results.deleteApi,
      /^error: API resource urn:tessera:management is built in: it is Tessera's own management API \(\/v1\).*cannot be deleted; Tessera creates it and restores it at every start\.\n$/,
      1,
    );
    fails(
      results.createApi,
      /^error: API resource urn:tessera:management is built in.*cannot be created by hand/,
      1,
    );
    fails(
      results.deleteConsole,
      /^error: client tessera-console is built in: it is the console's own client.*cannot be deleted/,
      1,
    );
    assert.equal(results.rotateConsole.code, 1);
    const rotated = JSON.parse(results.rotateConsole.stderr) as { error: { code: string; message: string } };
    assert.equal(rotated.error.code, 'forbidden');
    assert.match(rotated.error.message, /client tessera-console is built in.*cannot be given a secret/);

    const apis = await cliJson<ApiJson[]>(env, ['api-resources', 'list']);
    assert.deepEqual(
      apis.map((api) => [api.identifier, api.name]),
      [['urn:tessera:management', 'Tessera management API']],
    );
  });
});

type TokenJson = {
  id: string;
  name: string;
  state: string;
  expires_at: string | null;
  revoked_at: string | null;
  already_revoked?: boolean;
};

describe('the tessera CLI: tokens, as a new user meets them', () => {
  const scope = suiteScope(after);
  let env: Record<string, string>;
  const create = (args: string[], extra: Record<string, string> = {}) =>
    runCli({ ...env, ...extra }, ['tokens', 'create', '--user', 'alice', ...args]);

  before(async () => {
    env = testEnv(scope);
    const created = await runCli(
      env,
      ['users', 'create', '--username', 'alice', '--password-stdin'],
      'a long enough password\n',
    );
    assert.equal(created.code, 0, created.stderr);
  });

  test('refuses the lifetimes the API refuses, with the same limit, naming the flags', async () => {
    const days = await create(['--name', 'a', '--scopes', 'tokens:read', '--expires-in-days', '100000']);
    fails(
      days,
      /^error: --expires-in-days exceeds the maximum token lifetime of 36500 days \(100 years\)\n$/,
      2,
    );
    const date = await create(['--name', 'a', '--scopes', 'tokens:read', '--expires-at', '9999-12-31']);
    fails(
      date,
      /^error: --expires-at exceeds the maximum token lifetime of 36500 days \(100 years\): the last date allowed is \d{4}-\d{2}-\d{2}\n$/,
      2,
    );
  });

  test("says when a limit is the operator's policy", async () => {
    const policy = { TESSERA_TOKEN_MAX_LIFETIME_DAYS: '90' };
    fails(
      await create(['--name', 'a', '--scopes', 'tokens:read', '--expires-in-days', '91'], policy),
      /^error: --expires-in-days exceeds this server's maximum token lifetime of 90 days \(TESSERA_TOKEN_MAX_LIFETIME_DAYS\)\n$/,
      2,
    );
    fails(
      await create(['--name', 'a', '--scopes', 'tokens:read'], policy),
      /^error: tokens on this server must expire within 90 days \(TESSERA_TOKEN_MAX_LIFETIME_DAYS\): give --expires-at or --expires-in-days\n$/,
      2,
    );
  });

  test('lists every problem at once in flag names, as text and as JSON on stderr with --json', async () => {
    const args = ['--name', '', '--scopes', '', '--expires-in-days', 'abc', '--expires-at', '2030-02-30'];
    const text = await create(args);
    fails(text, /^error: --name must not be empty\n/, 2);
    const lines = text.stderr.trimEnd().split('\n');
    assert.deepEqual(lines.sort(), [
      'error: --expires-at cannot be combined with --expires-in-days',
      'error: --expires-at must be a calendar date, YYYY-MM-DD',
      'error: --expires-in-days cannot be combined with --expires-at',
      'error: --expires-in-days must be a whole number of days',
      'error: --name must not be empty',
      'error: --scopes must name at least one scope',
    ]);
    assert.doesNotMatch(text.stderr, /expiresInDays|expiresAt|NaN|input must/);

    const json = await create([...args, '--json']);
    assert.equal(json.code, 2);
    assert.equal(json.stdout, '');
    const { error } = JSON.parse(json.stderr) as {
      error: { code: string; message: string; errors: { flag?: string; detail: string }[] };
    };
    assert.equal(error.code, 'invalid_input');
    assert.match(error.message, /^6 problems: /);
    assert.deepEqual(
      error.errors.find((item) => item.flag === '--name'),
      { flag: '--name', detail: 'must not be empty' },
    );
    assert.equal(error.errors.length, 6);
  });

  test('a commander usage error is JSON too with --json, and exits 2', async () => {
    const result = await runCli(env, ['tokens', 'create', '--user', 'alice', '--json']);
    assert.equal(result.code, 2);
    assert.deepEqual(JSON.parse(result.stderr), {
      error: {
        code: 'invalid_input',
        message: "required option '--name <name>' not specified",
        errors: [{ detail: "required option '--name <name>' not specified" }],
      },
    });
  });

  test('lists tokens under word-separated headers, "never" for no expiry and no use', async () => {
    const created = await cliJson<TokenJson>(env, [
      'tokens',
      'create',
      '--user',
      'alice',
      '--name',
      'forever',
      '--scopes',
      'tokens:read',
    ]);
    assert.equal(created.expires_at, null);
    const listed = await runCli(env, ['tokens', 'list', '--user', 'alice']);
    assert.equal(listed.code, 0, listed.stderr);
    const [header, row] = listed.stdout.split('\n');
    assert.match(header ?? '', /^ID +NAME +STATE +SCOPES +EXPIRES AT +LAST USED AT +DISPLAY HINT$/);
    assert.match(
      row ?? '',
      new RegExp(`^${created.id} +forever +active +tokens:read +never +never +tsr_pat_`),
    );
  });

  test('revoking a revoked token changes nothing, says so, and exits 0', async () => {
    const created = await cliJson<TokenJson>(env, [
      'tokens',
      'create',
      '--user',
      'alice',
      '--name',
      'twice',
      '--scopes',
      'tokens:read',
      '--expires-in-days',
      '30',
    ]);
    const first = await runCli(env, ['tokens', 'revoke', created.id]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `revoked ${created.id} (twice)\n`);
    const second = await runCli(env, ['tokens', 'revoke', created.id]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`^${created.id} \\(twice\\) was already revoked at \\d{4}-`));
    const json = await cliJson<TokenJson>(env, ['tokens', 'revoke', created.id]);
    assert.equal(json.already_revoked, true);
    assert.equal(json.state, 'revoked');
  });
});

describe('the tessera CLI: signing keys', () => {
  test('generates one signing key per algorithm, lists them, and rotates in pending keys', async (t) => {
    const env = testEnv(t);
    const generated = await cliJson<{ path: string; keys: KeyJson[] }>(env, ['keys', 'generate']);
    assert.ok(generated.path.startsWith(env.TESSERA_KEYS_DIR as string));

    const listed = await cliJson<KeyJson[]>(env, ['keys', 'list']);
    assert.deepEqual(
      listed.map((key) => [key.alg, key.status]),
      [
        ['ES256', 'signing'],
        ['RS256', 'signing'],
        ['EdDSA', 'signing'],
      ],
    );
    assert.deepEqual(
      listed.map((key) => key.kid),
      generated.keys.map((key) => key.kid),
    );

    const before = nowSeconds();
    const rotated = await cliJson<{ added: { kid: string; alg: string; signs_from: string }[] }>(env, [
      'keys',
      'rotate',
      '--activate-in',
      '3600',
    ]);
    assert.deepEqual(
      rotated.added.map((key) => key.alg),
      ['ES256', 'RS256', 'EdDSA'],
    );
    for (const key of rotated.added) {
      const signsFrom = Date.parse(key.signs_from) / 1000;
      assert.ok(signsFrom >= before + 3600 && signsFrom <= nowSeconds() + 3600, key.signs_from);
    }

    const keys = await readKeyFile(env.TESSERA_KEYS_DIR as string);
    assert.ok(keys);
    const rows = listKeys(keys, nowSeconds());
    assert.deepEqual(
      rows.filter((row) => row.status === 'pending').map((row) => row.kid),
      rotated.added.map((key) => key.kid),
    );
    assert.deepEqual(
      rows.filter((row) => row.status === 'signing').map((row) => row.kid),
      listed.map((key) => key.kid),
      'the generated keys keep signing until the new ones activate',
    );
  });

  test('retires no key whose tokens may still be valid', async (t) => {
    const env = testEnv(t);
    const dir = env.TESSERA_KEYS_DIR as string;
    const now = nowSeconds();
    // Keys generated ten minutes ago and replaced five minutes ago: their tokens live up to an hour.
    const old = (await generateKeys(dir, { now: now - 600 })).map((key) => key.kid);
    const { added } = await rotateKeys(dir, { now: now - 300, activateInSeconds: 0 });

    const result = await cliJson<{ removed: KeyJson[]; kept: KeyJson[] }>(env, [
      'keys',
      'retire',
      '--max-token-ttl',
      '3600',
    ]);
    assert.deepEqual(result.removed, []);
    assert.deepEqual(
      result.kept.map((key) => [key.kid, key.status, key.kept_because, key.retirable_at]),
      old.map((kid) => [
        kid,
        'previous',
        'tokens_may_be_valid',
        new Date((now - 300 + 3600) * 1000).toISOString(),
      ]),
    );
    assert.deepEqual(
      (await readKeyFile(dir))?.map((key) => key.kid).sort(),
      [...old, ...added.map((key) => key.kid)].sort(),
      'the key file still holds every key',
    );
  });
});

describe('the tessera CLI: applications', () => {
  const scope = suiteScope(after);
  let env: Record<string, string>;
  type AppJson = CreatedClientJson & {
    type: string;
    token_endpoint_auth_method: string;
    redirect_uris: string[];
    client_secret: string | null;
    previous_secret_expires_at: string | null;
    refresh_token_absolute_ttl: number | null;
  };

  before(() => {
    env = testEnv(scope);
  });

  test('refuses a hostile redirect URI, naming --redirect-uris and the item', async () => {
    fails(
      await runCli(env, [
        'clients',
        'create',
        '--name',
        'SPA',
        '--type',
        'spa',
        '--redirect-uris',
        'https://app.test/cb,javascript:alert(1)',
      ]),
      /^error: --redirect-uris \(item 2\).*javascript:alert\(1\).*must use https/,
      2,
    );
  });

  test('registers a native app as a public client: no secret, PKCE, loopback redirect', async () => {
    const native = await cliJson<AppJson>(env, [
      'clients',
      'create',
      '--name',
      'Desktop',
      '--type',
      'native',
      '--redirect-uris',
      'http://127.0.0.1/callback,com.example.desktop:/callback',
      '--refresh-token-ttl',
      '30d',
    ]);
    assert.equal(native.client_secret, null);
    assert.equal(native.type, 'native');
    assert.equal(native.token_endpoint_auth_method, 'none');
    assert.deepEqual(native.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(native.refresh_token_absolute_ttl, 30 * 86_400);
    fails(
      await runCli(env, ['clients', 'rotate-secret', native.client_id]),
      /public client \(native\): it has no secret to rotate/,
      1,
    );
  });

  test('rotates a web app secret keeping the old one for a while; both are valid until then', async () => {
    const web = await cliJson<AppJson>(env, [
      'clients',
      'create',
      '--name',
      'Web',
      '--type',
      'web',
      '--redirect-uris',
      'https://app.test/callback',
    ]);
    assert.match(String(web.client_secret), /^tsr_cs_/);
    fails(
      await runCli(env, ['clients', 'rotate-secret', web.client_id, '--keep-old-for', '5']),
      /^error: --keep-old-for must be a number with a unit/,
      2,
    );
    const rotated = await cliJson<AppJson>(env, [
      'clients',
      'rotate-secret',
      web.client_id,
      '--keep-old-for',
      '2h',
    ]);
    const until = Date.parse(String(rotated.previous_secret_expires_at));
    assert.ok(
      until > Date.now() + 7_000_000 && until <= Date.now() + 7_200_000,
      'the old secret works for 2 hours',
    );

    const config = loadConfig(env);
    const { pepper } = resolveSecrets(config);
    const storage = await openStorage(config, { pepper, migrate: false });
    try {
      const stored = await storage.repositories.clients.findById(web.client_id);
      const hash = createPepperHash(pepper, CLIENT_SECRET_HASH_PURPOSE);
      assert.ok(stored?.secretHash && stored.previousSecretHash);
      assert.equal(hash.matches(String(rotated.client_secret), stored.secretHash), true);
      assert.equal(hash.matches(String(web.client_secret), stored.previousSecretHash), true);
    } finally {
      await storage.close();
    }
  });
});
