import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { productionEnv } from '../helpers/production-env.ts';
import { cliJson, startTessera } from '../helpers/tessera-process.ts';
import { JWT_API, postForm, type RegisteredClient, registerFixtures } from '../helpers/tessera-setup.ts';

type Jwks = { keys: { kid: string; alg: string }[] };

const jwksOf = async (url: string): Promise<Jwks> => (await (await fetch(`${url}/jwks`)).json()) as Jwks;

/** Waits (bounded) for a server's file watch to see a change the CLI just wrote. */
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

test('two running instances sharing the keys folder pick up a rotation and a retirement without restart', async (t) => {
  const production = await productionEnv(t);
  if (!production) return;
  const { env } = production;
  const first = await startTessera(t, env);
  const second = await startTessera(t, { ...env, PORT: '', TESSERA_ISSUER: first.url });
  const { billing } = await registerFixtures(env);

  const before = await jwtFrom(first.url, billing);
  const oldKid = decodeProtectedHeader(before).kid as string;
  assert.deepEqual(await jwksOf(second.url), await jwksOf(first.url));

  const rotated = await cliJson<{ added: { kid: string; alg: string }[] }>(env, [
    'keys',
    'rotate',
    '--activate-in',
    '0',
  ]);
  const newKid = rotated.added.find((key) => key.alg === 'ES256')?.kid as string;
  assert.notEqual(newKid, oldKid);
  for (const instance of [first, second]) {
    await eventually('the new key is published', async () =>
      (await jwksOf(instance.url)).keys.some((key) => key.kid === newKid),
    );
  }

  // Each instance now signs with the new key; the other publishes it, and the old key stays published.
  for (const [signer, verifier] of [
    [first, second],
    [second, first],
  ] as const) {
    const token = await jwtFrom(signer.url, billing);
    assert.equal(decodeProtectedHeader(token).kid, newKid);
    const keys = createLocalJWKSet(await jwksOf(verifier.url));
    await jwtVerify(token, keys, { issuer: first.url, audience: JWT_API, typ: 'at+jwt' });
    await jwtVerify(before, keys, { issuer: first.url, audience: JWT_API, typ: 'at+jwt' });
  }

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
});
