import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { createLocalKeyEncryptionKey } from '../../src/crypto/key-encryption-key.ts';
import { productionEnv } from '../helpers/production-env.ts';
import { cliJson, runCli, startTessera, testEnv } from '../helpers/tessera-process.ts';
import { JWT_API, postForm, type RegisteredClient, registerFixtures } from '../helpers/tessera-setup.ts';

type Jwks = { keys: { kid: string; alg: string; d?: string }[] };
type KeyJson = { kid: string; alg: string; status: string };

const jwksOf = async (url: string): Promise<Jwks> => (await (await fetch(`${url}/jwks`)).json()) as Jwks;

/** Waits (bounded) for the instances to follow a change the CLI just made in Postgres. */
const eventually = async (what: string, check: () => Promise<boolean>) => {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${what} did not happen within 10s`);
};

const jwtFrom = async (url: string, client: RegisteredClient) =>
  (
    (await (
      await postForm(`${url}/token`, client, { grant_type: 'client_credentials', resource: JWT_API })
    ).json()) as {
      access_token: string;
    }
  ).access_token;

test('two instances that share no keys folder follow a staged rotation and a retirement through Postgres', async (t) => {
  // A 1 s JWKS cache: a rotated key is published for 1 + 2 s before it signs.
  const production = await productionEnv(t, { TESSERA_JWKS_CACHE_SECONDS: '1' });
  if (!production) return;
  const { env } = production;
  const first = await startTessera(t, env);
  const second = await startTessera(t, {
    ...env,
    PORT: '',
    TESSERA_ISSUER: first.url,
    TESSERA_KEYS_DIR: `${env.TESSERA_KEYS_DIR}-second`,
  });
  const { billing } = await registerFixtures(env);
  assert.equal(existsSync(env.TESSERA_KEYS_DIR as string), false, 'no keys folder was written');

  const before = await jwtFrom(second.url, billing);
  const oldKid = decodeProtectedHeader(before).kid as string;
  assert.deepEqual(await jwksOf(second.url), await jwksOf(first.url));

  // Sealed at rest: the private JWK is only in the sealed column, and opens only with the KEK.
  const rows = await production.sql('select kid, public_jwk, sealed_private_jwk, kek_id from signing_keys');
  assert.equal(rows.length, 3);
  const kek = createLocalKeyEncryptionKey(env.TESSERA_KEY_ENCRYPTION_KEY as string);
  const privateParts: string[] = [];
  for (const row of rows) {
    assert.equal((row.public_jwk as Record<string, unknown>).d, undefined);
    const opened = JSON.parse(
      (await kek.open(row.sealed_private_jwk as string, row.kid as string)) as string,
    );
    privateParts.push(opened.d as string);
    assert.equal(await kek.open(row.sealed_private_jwk as string, 'another kid'), undefined);
  }

  const tooSoon = await runCli(env, ['keys', 'rotate', '--activate-in', '1']);
  assert.notEqual(tooSoon.code, 0);
  assert.match(tooSoon.stderr, /--activate-in .*published for 3 seconds before it signs/);

  const rotated = await cliJson<{ added: { kid: string; alg: string; signs_from: string }[] }>(env, [
    'keys',
    'rotate',
  ]);
  const added = rotated.added.find((key) => key.alg === 'ES256');
  const newKid = added?.kid as string;
  const signsFrom = Date.parse(added?.signs_from as string);
  assert.notEqual(newKid, oldKid);
  for (const instance of [first, second]) {
    await eventually('the new key is published', async () =>
      (await jwksOf(instance.url)).keys.some((key) => key.kid === newKid),
    );
  }

  // Until every instance signs with the new key, tokens keep coming; none is signed by it early,
  // and each verifies against what both instances publish.
  await eventually('both instances sign with the new key', async () => {
    const kids: string[] = [];
    for (const instance of [first, second]) {
      const token = await jwtFrom(instance.url, billing);
      const kid = decodeProtectedHeader(token).kid as string;
      if (kid === newKid) assert.ok(Date.now() >= signsFrom, 'signed by the new key before it was due');
      for (const verifier of [first, second]) {
        await jwtVerify(token, createLocalJWKSet(await jwksOf(verifier.url)), {
          issuer: first.url,
          audience: JWT_API,
          typ: 'at+jwt',
        });
      }
      kids.push(kid);
    }
    return kids.every((kid) => kid === newKid);
  });
  await jwtVerify(before, createLocalJWKSet(await jwksOf(first.url)), {
    issuer: first.url,
    audience: JWT_API,
  });

  // Retiring too early keeps the old key; forcing it removes it from /jwks everywhere.
  const early = await cliJson<{ removed: unknown[]; kept: { kid: string }[] }>(env, ['keys', 'retire']);
  assert.deepEqual(early.removed, []);
  assert.ok(early.kept.some((key) => key.kid === oldKid));
  await cliJson(env, ['keys', 'retire', '--kid', oldKid, '--force']);
  for (const instance of [first, second]) {
    await eventually(
      'the retired key is unpublished',
      async () => !(await jwksOf(instance.url)).keys.some((key) => key.kid === oldKid),
    );
  }
  const audit = await production.sql(
    "select action, target_id from audit_events where target_type = 'signing_key' order by id",
  );
  assert.ok(audit.some((event) => event.action === 'signing_key.rotate' && event.target_id === newKid));
  assert.ok(audit.some((event) => event.action === 'signing_key.retire' && event.target_id === oldKid));

  // No private key in clear in any log.
  for (const instance of [first, second]) {
    for (const secret of privateParts) assert.equal(instance.logs().includes(secret), false);
  }
});

test('tessera keys import --from-dir copies a keys folder into Postgres once', async (t) => {
  const folder = testEnv(t);
  const generated = await cliJson<{ keys: KeyJson[] }>(folder, ['keys', 'generate']);
  const production = await productionEnv(t);
  if (!production) return;
  const { env } = production;

  const first = await cliJson<{ imported: KeyJson[]; already_stored: string[] }>(env, [
    'keys',
    'import',
    '--from-dir',
    folder.TESSERA_KEYS_DIR as string,
  ]);
  assert.deepEqual(first.imported.map((key) => key.kid).sort(), generated.keys.map((key) => key.kid).sort());
  assert.deepEqual(first.already_stored, []);
  const again = await cliJson<{ imported: KeyJson[]; already_stored: string[] }>(env, [
    'keys',
    'import',
    '--from-dir',
    folder.TESSERA_KEYS_DIR as string,
  ]);
  assert.deepEqual(again.imported, []);
  assert.equal(again.already_stored.length, 3);

  const listed = await cliJson<KeyJson[]>(env, ['keys', 'list']);
  assert.deepEqual(
    listed.map((key) => [key.kid, key.status]).sort(),
    generated.keys.map((key) => [key.kid, 'signing']).sort(),
  );
  const missing = await runCli(env, ['keys', 'import', '--from-dir', `${folder.TESSERA_KEYS_DIR}-nowhere`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--from-dir .* does not exist/);
});
