import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Knex } from 'knex';
import { createDatabase } from '../../src/storage/database.ts';
import { productionEnv, redisKeys } from '../helpers/production-env.ts';
import { cliJson, startTessera, testEnv } from '../helpers/tessera-process.ts';
import {
  JWT_API,
  OPAQUE_API,
  postForm,
  type RegisteredClient,
  registerFixtures,
} from '../helpers/tessera-setup.ts';

/** Every row of every table of the current schema, as text. */
const dumpTables = async (knex: Knex): Promise<string> => {
  const tables = (await knex('information_schema.tables')
    .select('table_name')
    .whereRaw('table_schema = current_schema()')) as { table_name: string }[];
  const dumps = await Promise.all(
    tables.map(async ({ table_name }) => JSON.stringify(await knex.select('*').from(table_name))),
  );
  return dumps.join('\n');
};

const issue = async (url: string, client: RegisteredClient, resource: string) =>
  (
    (await (
      await postForm(`${url}/token`, client, { grant_type: 'client_credentials', resource })
    ).json()) as {
      access_token: string;
    }
  ).access_token;

/** Issues, revokes and rotates, and returns every bearer-capable string that came out. */
const exercise = async (url: string, env: Record<string, string>) => {
  const { billing, resourceServer, other } = await registerFixtures(env);
  const jwt = await issue(url, billing, JWT_API);
  const revokedJwt = await issue(url, billing, JWT_API);
  const opaque = await issue(url, billing, OPAQUE_API);
  const revokedOpaque = await issue(url, billing, OPAQUE_API);
  for (const token of [revokedJwt, revokedOpaque]) {
    assert.equal((await postForm(`${url}/token/revocation`, billing, { token })).status, 200);
  }
  await postForm(`${url}/token/introspection`, resourceServer, { token: opaque });
  const rotated = await cliJson<RegisteredClient>(env, ['clients', 'rotate-secret', other.client_id]);
  // A webhook's signing secret is sealed, never stored in clear (disabled: nothing is sent anywhere).
  const webhook = await cliJson<{ secret: string }>(env, [
    'webhooks',
    'create',
    '--url',
    'https://hooks.example.com/tessera',
    '--events',
    'token.revoked',
    '--disable',
  ]);
  return [
    webhook.secret,
    webhook.secret.slice('whsec_'.length),
    billing.client_secret,
    resourceServer.client_secret,
    other.client_secret,
    rotated.client_secret,
    opaque,
    revokedOpaque,
    jwt,
    revokedJwt,
    // A JWT's signature alone would let someone replay it if the rest were guessed: never stored either.
    ...[jwt, revokedJwt].map((token) => token.split('.')[2] ?? ''),
  ];
};

const assertNoneIn = (dump: string, secrets: string[], where: string) => {
  assert.ok(dump.length > 0, `${where} dump is not empty`);
  for (const secret of secrets)
    assert.ok(!dump.includes(secret), `${where} contains ${secret.slice(0, 12)}…`);
};

describe('secrets at rest', () => {
  test('the embedded database and the logs hold no token or client secret', async (t) => {
    const env = testEnv(t);
    const tessera = await startTessera(t, env);
    const secrets = await exercise(tessera.url, env);
    assert.equal(await tessera.stop(), 0);

    const database = await createDatabase({ dataDir: env.TESSERA_DATA_DIR });
    try {
      assertNoneIn(await dumpTables(database.knex), secrets, 'PGlite');
    } finally {
      await database.close();
    }
    assertNoneIn(tessera.logs(), secrets, 'the log');
  });

  test('PostgreSQL, Redis and the logs hold no token or client secret', async (t) => {
    const production = await productionEnv(t);
    if (!production) return;
    const tessera = await startTessera(t, production.env);
    const secrets = await exercise(tessera.url, production.env);

    const keys = await redisKeys(production.redis, production.redisPrefix);
    const values = await Promise.all(
      keys.map(async (key) => {
        const type = await production.redis.type(key);
        if (type === 'string') return production.redis.get(key);
        if (type === 'set') return JSON.stringify(await production.redis.smembers(key));
        if (type === 'hash') return JSON.stringify(await production.redis.hgetall(key));
        return `${type}`;
      }),
    );
    assert.ok(
      keys.some((key) => key.includes(':Token:')),
      'opaque tokens live in Redis',
    );
    assertNoneIn([...keys, ...values].join('\n'), secrets, 'Redis');

    const database = await createDatabase({ databaseUrl: production.databaseUrl });
    try {
      assertNoneIn(await dumpTables(database.knex), secrets, 'PostgreSQL');
    } finally {
      await database.close();
    }
    assertNoneIn(tessera.logs(), secrets, 'the log');
  });
});
