import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDatabase } from '../../src/storage/database.ts';
import { MANAGEMENT_API } from '../../src/domain/api-resources/management-api.ts';
import {
  productionEnv,
  productionSkipReason,
  redisKeys,
  type ProductionEnv,
} from '../helpers/production-env.ts';
import {
  cliJson,
  runCli,
  startTessera,
  suiteScope,
  type TesseraInstance,
} from '../helpers/tessera-process.ts';
import { OPAQUE_API, postForm, type RegisteredClient } from '../helpers/tessera-setup.ts';

/**
 * Personal and resource access tokens through the management API, as a platform and its users
 * would use them, against the real server on PostgreSQL + Redis.
 */
type Json = Record<string, unknown>;

describe('personal and resource access tokens', { skip: await productionSkipReason() }, () => {
  const scope = suiteScope(after);
  let production: ProductionEnv;
  let tessera: TesseraInstance;
  let resourceServer: RegisteredClient;
  const users: Record<string, { id: string; pat: string }> = {};
  const secrets: string[] = [];

  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${tessera.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as Json,
    };
  };

  const introspect = async (token: string) =>
    (await (await postForm(`${tessera.url}/token/introspection`, resourceServer, { token })).json()) as Json;

  const createUser = async (username: string, options: string[], patScopes: string) => {
    const result = await runCli(
      production.env,
      ['users', 'create', '--username', username, '--password-stdin', '--json', ...options],
      'correct horse battery staple\n',
    );
    assert.equal(result.code, 0, result.stderr);
    const user = JSON.parse(result.stdout) as { id: string };
    const pat = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      username,
      '--name',
      'bootstrap',
      '--scopes',
      patScopes,
      '--expires-in-days',
      '30',
    ]);
    users[username] = { id: user.id, pat: pat.token };
    secrets.push(pat.token);
  };

  before(async () => {
    const env = await productionEnv(scope);
    assert.ok(env, 'PostgreSQL and Redis are needed');
    production = env;
    tessera = await startTessera(scope, production.env);
    await cliJson(production.env, [
      'api-resources',
      'create',
      '--identifier',
      OPAQUE_API,
      '--name',
      'Opaque API',
      '--format',
      'opaque',
      '--scopes',
      'groups:read-only',
    ]);
    resourceServer = await cliJson<RegisteredClient>(production.env, [
      'clients',
      'create',
      '--name',
      'platform-api',
      '--resources',
      OPAQUE_API,
      '--introspects',
      OPAQUE_API,
    ]);
    await createUser('alice', ['--admin'], 'tokens:write resources:write admin');
    await createUser('bob', [], 'tokens:write');
    await createUser('carol', [], 'tokens:write');

    // The platform syncs its tree and members with an admin PAT.
    const admin = users.alice?.pat as string;
    assert.equal(
      (await api(admin, 'PUT', '/v1/resources/groups/42', { name: 'Platform', parent: null })).status,
      201,
    );
    assert.equal(
      (
        await api(admin, 'PUT', '/v1/resources/applications/7', {
          name: 'Shop',
          parent: { type: 'groups', id: '42' },
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await api(admin, 'PUT', '/v1/resources/instances/9', {
          name: 'Shop EU',
          parent: { type: 'applications', id: '7' },
        })
      ).status,
      201,
    );
    assert.equal(
      (await api(admin, 'PUT', '/v1/resources/groups/42', { name: 'Platform team', parent: null })).status,
      200,
    );
    assert.equal(
      (await api(admin, 'PUT', `/v1/resources/groups/42/members/${users.bob?.id}`, { role: 'maintainer' }))
        .status,
      201,
    );
    assert.equal(
      (await api(admin, 'PUT', `/v1/resources/groups/42/members/${users.carol?.id}`, { role: 'guest' }))
        .status,
      201,
    );
  });

  const bob = () => users.bob as { id: string; pat: string };
  const carol = () => users.carol as { id: string; pat: string };

  test('a user creates a PAT, sees it once, lists it and a resource server introspects its effective scopes', async () => {
    // Bob's bootstrap PAT carries only tokens:write, so it can only make tokens within that.
    const narrow = await api(bob().pat, 'POST', '/v1/access-tokens', {
      name: 'too much',
      scopes: ['groups:read-write'],
    });
    assert.equal(narrow.status, 403);

    const wide = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'bob',
      '--name',
      'wide',
      '--scopes',
      'tokens:write groups:read-write applications:read-write',
    ]);
    secrets.push(wide.token);
    const created = await api(wide.token, 'POST', '/v1/access-tokens', {
      name: 'deploy script',
      scopes: ['applications:read-write'],
      expires_in_days: 30,
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const token = created.body.token as string;
    secrets.push(token);
    assert.match(token, /^tsr_pat_[0-9A-Za-z]{49}$/);
    assert.match(created.body.id as string, /^tok_/);

    const listed = await api(wide.token, 'GET', '/v1/access-tokens');
    assert.equal(listed.status, 200);
    assert.ok(!JSON.stringify(listed.body).includes(token), 'the list never shows the token');
    const shown = await api(wide.token, 'GET', `/v1/access-tokens/${created.body.id}`);
    assert.equal(shown.status, 200);
    assert.ok(!JSON.stringify(shown.body).includes(token));
    assert.match(shown.body.display_hint as string, /^tsr_pat_…[0-9A-Za-z]{4}$/);

    const view = await introspect(token);
    assert.equal(view.active, true);
    assert.equal(view.sub, bob().id);
    assert.equal(view.token_id, created.body.id);
    assert.equal(view.token_kind, 'personal');
    assert.equal(view.scope, 'applications:read-only applications:read-write');
    assert.equal(view.aud, OPAQUE_API);
    assert.equal(typeof view.exp, 'number');

    // Revoked: inactive at once; the record says so.
    const revoked = await api(wide.token, 'DELETE', `/v1/access-tokens/${created.body.id}`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.state, 'revoked');
    assert.deepEqual(await introspect(token), { active: false });
  });

  test("another user's token id is not found, for reading and for deleting", async () => {
    const mine = await api(bob().pat, 'GET', '/v1/access-tokens');
    const id = ((mine.body.data as Json[])[0] as Json).id as string;
    assert.equal((await api(carol().pat, 'GET', `/v1/access-tokens/${id}`)).status, 404);
    assert.equal((await api(carol().pat, 'DELETE', `/v1/access-tokens/${id}`)).status, 404);
    assert.equal((await api(carol().pat, 'POST', `/v1/access-tokens/${id}/rotate`)).status, 404);
    assert.equal((await api(bob().pat, 'GET', '/v1/access-tokens')).status, 200, 'untouched');
  });

  test('rotation keeps the record and kills the old string', async () => {
    const issued = await cliJson<{ token: string; id: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'carol',
      '--name',
      'rotating',
      '--scopes',
      'groups:read-only',
    ]);
    const rotated = await api(carol().pat, 'POST', `/v1/access-tokens/${issued.id}/rotate`);
    assert.equal(rotated.status, 200);
    assert.equal(rotated.body.id, issued.id);
    assert.notEqual(rotated.body.token, issued.token);
    secrets.push(issued.token, rotated.body.token as string);
    assert.deepEqual(await introspect(issued.token), { active: false });
    assert.equal((await introspect(rotated.body.token as string)).token_id, issued.id);
  });

  test('a maintainer creates a RAT whose bot acts on the resource; role changes narrow it and removal kills it', async () => {
    const created = await api(bob().pat, 'POST', '/v1/resources/groups/42/access-tokens', {
      name: 'ci deploy',
      role: 'developer',
      scopes: ['groups:read-only', 'applications:read-write'],
      expires_in_days: 7,
    });
    // Bob's bootstrap PAT only carries tokens:write: a script cannot mint more than it holds.
    assert.equal(created.status, 403);

    const wide = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'bob',
      '--name',
      'maintainer',
      '--scopes',
      'tokens:write tokens:read groups:read-write applications:read-write instances:read-write',
    ]);
    secrets.push(wide.token);
    const rat = await api(wide.token, 'POST', '/v1/resources/groups/42/access-tokens', {
      name: 'ci deploy',
      role: 'developer',
      scopes: ['groups:read-only', 'applications:read-write'],
      expires_in_days: 7,
    });
    assert.equal(rat.status, 201, JSON.stringify(rat.body));
    const token = rat.body.token as string;
    secrets.push(token);
    assert.match(token, /^tsr_rat_/);
    const botId = rat.body.bot_id as string;
    assert.match(botId, /^bot_/);

    const view = await introspect(token);
    assert.equal(view.active, true);
    assert.equal(view.sub, botId);
    assert.equal(view.token_kind, 'resource');
    assert.deepEqual(view.resource, { type: 'groups', id: '42' });
    assert.equal(view.role, 'developer');
    assert.equal(view.scope, 'groups:read-only applications:read-only applications:read-write');

    const listed = await api(wide.token, 'GET', '/v1/resources/groups/42/access-tokens');
    assert.ok(
      (listed.body.data as Json[]).some((entry) => entry.id === rat.body.id && entry.bot_id === botId),
    );

    // The platform lowers the bot's role: the very next introspection narrows.
    const admin = users.alice?.pat as string;
    assert.equal(
      (await api(admin, 'PUT', `/v1/resources/groups/42/members/${botId}`, { role: 'guest' })).status,
      200,
    );
    assert.equal((await introspect(token)).scope, 'groups:read-only applications:read-only');
    // Removing the membership kills the token.
    assert.equal((await api(admin, 'DELETE', `/v1/resources/groups/42/members/${botId}`)).status, 204);
    assert.deepEqual(await introspect(token), { active: false });
  });

  test('every escalation attempt is refused', async () => {
    const wide = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'bob',
      '--name',
      'escalation',
      '--scopes',
      'tokens:write groups:read-write',
    ]);
    secrets.push(wide.token);
    // A scope Bob does not hold.
    assert.equal(
      (await api(wide.token, 'POST', '/v1/access-tokens', { name: 'x', scopes: ['admin'] })).status,
      403,
    );
    // A role above his own.
    assert.equal(
      (
        await api(wide.token, 'POST', '/v1/resources/groups/42/access-tokens', {
          name: 'x',
          role: 'owner',
          scopes: ['groups:read-only'],
        })
      ).status,
      403,
    );
    // A guest cannot create or even list a resource's tokens.
    const guest = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'carol',
      '--name',
      'guest',
      '--scopes',
      'tokens:write tokens:read groups:read-only',
    ]);
    secrets.push(guest.token);
    assert.equal((await api(guest.token, 'GET', '/v1/resources/groups/42/access-tokens')).status, 403);
    assert.equal(
      (
        await api(guest.token, 'POST', '/v1/resources/groups/42/access-tokens', {
          name: 'x',
          role: 'guest',
          scopes: ['groups:read-only'],
        })
      ).status,
      403,
    );
    // A RAT can never create tokens.
    const rat = await api(wide.token, 'POST', '/v1/resources/groups/42/access-tokens', {
      name: 'bot',
      role: 'maintainer',
      scopes: ['groups:read-write'],
    });
    assert.equal(rat.status, 201);
    secrets.push(rat.body.token as string);
    const fromRat = await api(rat.body.token as string, 'POST', '/v1/access-tokens', {
      name: 'x',
      scopes: ['groups:read-only'],
    });
    assert.ok(fromRat.status === 403 || fromRat.status === 401);
    // Resource sync needs resources:write.
    assert.equal(
      (await api(wide.token, 'PUT', '/v1/resources/groups/99', { name: 'mine', parent: null })).status,
      403,
    );
  });

  test('bad input is a problem document naming the field', async () => {
    const response = await api(bob().pat, 'POST', '/v1/access-tokens', {
      name: '',
      scopes: ['tokens:read'],
      expires_at: '2020-01-01',
    });
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.match(JSON.stringify(response.body), /name|expires_at/);
    const past = await api(bob().pat, 'POST', '/v1/access-tokens', {
      name: 'old',
      scopes: ['tokens:read'],
      expires_at: '2020-01-01',
    });
    assert.equal(past.status, 400);
    assert.match(JSON.stringify(past.body), /expires_at/);
    const garbage = await api('tsr_pat_notAToken', 'GET', '/v1/access-tokens');
    assert.equal(garbage.status, 401);
  });

  test('a 30-day PAT makes a 30-day token, which expires with it, but neither a longer one nor one that never expires', async () => {
    const own = await api(bob().pat, 'GET', '/v1/access-tokens');
    const bootstrap = (own.body.data as { name: string; expires_at: string }[]).find(
      (token) => token.name === 'bootstrap',
    );
    assert.ok(bootstrap);
    const month = await api(bob().pat, 'POST', '/v1/access-tokens', {
      name: 'a month',
      scopes: ['tokens:write'],
      expires_in_days: 30,
    });
    assert.equal(month.status, 201, JSON.stringify(month.body));
    secrets.push(month.body.token as string);
    assert.ok(Date.parse(month.body.expires_at as string) <= Date.parse(bootstrap.expires_at));
    assert.ok(Date.parse(month.body.expires_at as string) > Date.now() + 29.9 * 86_400_000);

    const longer = await api(bob().pat, 'POST', '/v1/access-tokens', {
      name: 'longer',
      scopes: ['tokens:write'],
      expires_in_days: 31,
    });
    assert.equal(longer.status, 400);
    const [tooLong] = longer.body.errors as { pointer: string; detail: string }[];
    assert.equal(tooLong?.pointer, '/expires_in_days');
    assert.match(tooLong?.detail ?? '', /^is longer than the token you are using, which expires /);

    const forever = await api(bob().pat, 'POST', '/v1/access-tokens', {
      name: 'forever',
      scopes: ['tokens:write'],
    });
    assert.equal(forever.status, 400);
    const [never] = forever.body.errors as { pointer: string; detail: string }[];
    assert.equal(never?.pointer, '', 'no expiry field was sent: the problem is the whole request');
    assert.match(never?.detail ?? '', /cannot outlive it: give expires_at or expires_in_days/);
  });

  test('Redis flushed: a PAT is restored from Postgres; a revoked one stays dead', async () => {
    const live = await cliJson<{ token: string; id: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'carol',
      '--name',
      'survivor',
      '--scopes',
      'groups:read-only',
    ]);
    const dead = await cliJson<{ token: string; id: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'carol',
      '--name',
      'dead',
      '--scopes',
      'groups:read-only',
    ]);
    secrets.push(live.token, dead.token);
    await cliJson(production.env, ['tokens', 'revoke', dead.id]);
    const keys = await redisKeys(production.redis, production.redisPrefix);
    if (keys.length > 0) await production.redis.del(...keys);
    assert.equal((await introspect(live.token)).active, true);
    assert.deepEqual(await introspect(dead.token), { active: false });
  });

  test("a disabled owner's tokens stop working at once", async () => {
    // Carol's bootstrap PAT only manages tokens, which no API is shown; this one reads groups.
    const reader = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'carol',
      '--name',
      'reader',
      '--scopes',
      'groups:read-only',
    ]);
    secrets.push(reader.token);
    assert.equal((await introspect(reader.token)).active, true);
    assert.equal((await api(carol().pat, 'GET', '/v1/access-tokens')).status, 200);
    await cliJson(production.env, ['users', 'disable', 'carol']);
    assert.deepEqual(await introspect(reader.token), { active: false });
    assert.equal((await api(carol().pat, 'GET', '/v1/access-tokens')).status, 401);
    await cliJson(production.env, ['users', 'enable', 'carol']);
    assert.equal((await introspect(reader.token)).active, true);
    assert.equal((await api(carol().pat, 'GET', '/v1/access-tokens')).status, 200);
  });

  test('introspection names a single audience as a string, whether the PAT is restricted to it or not', async () => {
    const restricted = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'bob',
      '--name',
      'restricted to one API',
      '--scopes',
      'groups:read-only',
      '--audience',
      OPAQUE_API,
    ]);
    secrets.push(restricted.token);
    const view = await introspect(restricted.token);
    assert.equal(view.active, true);
    assert.equal(view.aud, OPAQUE_API);
    const unrestricted = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'bob',
      '--name',
      'unrestricted',
      '--scopes',
      'groups:read-only',
    ]);
    secrets.push(unrestricted.token);
    assert.equal((await introspect(unrestricted.token)).aud, OPAQUE_API);
  });

  test('each resource server is told only the audiences and scopes meant for it', async () => {
    const BILLING_API = 'https://billing.example.test';
    await cliJson(production.env, [
      'api-resources',
      'create',
      '--identifier',
      BILLING_API,
      '--name',
      'Billing API',
      '--format',
      'opaque',
    ]);
    const billingServer = await cliJson<RegisteredClient>(production.env, [
      'clients',
      'create',
      '--name',
      'billing-api',
      '--resources',
      BILLING_API,
      '--introspects',
      BILLING_API,
    ]);
    const managementServer = await cliJson<RegisteredClient>(production.env, [
      'clients',
      'create',
      '--name',
      'management-api',
      '--resources',
      MANAGEMENT_API,
      '--introspects',
      MANAGEMENT_API,
    ]);
    const asClient = async (client: RegisteredClient, token: string) =>
      (await (await postForm(`${tessera.url}/token/introspection`, client, { token })).json()) as Json;

    // Alice's PAT for the platform API and for Tessera's own management API.
    const both = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'alice',
      '--name',
      'platform and management',
      '--scopes',
      'groups:read-only tokens:write',
      '--audience',
      `${OPAQUE_API},${MANAGEMENT_API}`,
    ]);
    secrets.push(both.token);
    const platformView = await introspect(both.token);
    assert.equal(platformView.active, true);
    assert.equal(platformView.scope, 'groups:read-only', 'no management scope for the platform API');
    assert.equal(platformView.aud, OPAQUE_API, 'only the audience the platform API represents');
    assert.deepEqual(await asClient(billingServer, both.token), { active: false }, 'not meant for billing');
    const managementView = await asClient(managementServer, both.token);
    assert.equal(managementView.scope, 'groups:read-only tokens:read tokens:write');
    assert.equal(managementView.aud, MANAGEMENT_API);

    // A PAT that may only manage tokens is nothing an API should act on.
    assert.deepEqual(await introspect(bob().pat), { active: false });
    assert.equal((await asClient(managementServer, bob().pat)).scope, 'tokens:read tokens:write');
  });

  test('administrators read the audit log; others cannot', async () => {
    const admin = users.alice?.pat as string;
    const events = await api(admin, 'GET', '/v1/audit-events?action=access_token.create&limit=5');
    assert.equal(events.status, 200);
    const data = events.body.data as Json[];
    assert.ok(data.length > 0 && data.length <= 5);
    assert.ok(data.every((event) => event.action === 'access_token.create'));
    assert.equal((await api(bob().pat, 'GET', '/v1/audit-events')).status, 403);
    const all = JSON.stringify((await api(admin, 'GET', '/v1/audit-events?limit=100')).body);
    for (const secret of secrets) assert.ok(!all.includes(secret), 'no token in the audit log');
  });

  test('no token string is stored in any table, Redis key or value, or log line', async () => {
    const keys = await redisKeys(production.redis, production.redisPrefix);
    const values = await Promise.all(
      keys.map(async (key) =>
        (await production.redis.type(key)) === 'string' ? production.redis.get(key) : '',
      ),
    );
    const database = await createDatabase({ databaseUrl: production.databaseUrl });
    try {
      const tables = (await database
        .knex('information_schema.tables')
        .select('table_name')
        .whereRaw('table_schema = current_schema()')) as { table_name: string }[];
      const rows = await Promise.all(
        tables.map(async ({ table_name }) =>
          JSON.stringify(await database.knex.select('*').from(table_name)),
        ),
      );
      const everything = [...keys, ...values, ...rows, tessera.logs()].join('\n');
      for (const secret of secrets)
        assert.ok(!everything.includes(secret), `${secret.slice(0, 12)}… is stored somewhere`);
    } finally {
      await database.close();
    }
  });
});
