import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createVerifier, type DPoPReplayStore, VerifyError } from '../src/index.ts';
import { clientKey, makeProof } from './dpop-support.ts';
import { AUDIENCE, startFakeIssuer } from './fake-issuer.ts';

/**
 * The README's Redis replay store, on the real Redis: two verifiers standing for two instances of
 * an API share it, so a proof used on one is refused on the other, and of one proof sent to both at
 * once exactly one is accepted (SET NX is atomic).
 */
const URL_ = 'https://api.example.test/me';

test('a replay store on Redis, shared by two instances, lets each proof through once', async (t) => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  await redis.connect();
  const prefix = `tessera-verify-test:${randomUUID()}:`;
  // The keys this test made, to delete them after (no KEYS scan on a shared Redis).
  const made = new Set<string>();
  t.after(async () => {
    if (made.size > 0) await redis.del(...made);
    redis.disconnect();
  });
  // As in the README, with a prefix of the test's own.
  const redisReplayStore: DPoPReplayStore = {
    remember: async (key, expiresAt) => {
      made.add(`${prefix}${key}`);
      return (await redis.set(`${prefix}${key}`, '1', 'PXAT', expiresAt, 'NX')) === 'OK';
    },
  };

  const issuer = await startFakeIssuer(t);
  const instance = () =>
    createVerifier({ issuer: issuer.issuer, audience: AUDIENCE, dpop: { replayStore: redisReplayStore } });
  const [one, two] = [instance(), instance()];
  const key = await clientKey();
  const token = await issuer.sign({ now: Date.now(), claims: { cnf: { jkt: key.jkt } } });
  const proof = () => makeProof(key, { token, htu: URL_, now: Date.now() });
  const present = (verifier: typeof one, dpop: string) =>
    verifier.verify(token, { method: 'GET', url: URL_, proof: dpop });

  const first = await proof();
  assert.equal((await present(one, first)).subject, 'cl_billing');
  await assert.rejects(present(two, first), (error: unknown) => {
    assert.ok(error instanceof VerifyError);
    assert.equal(error.code, 'invalid_dpop_proof');
    assert.match(error.message, /already used/);
    return true;
  });
  // The key expires when the proof would be too old anyway (iat + 60 s + 5 s).
  const [stored] = made;
  const expiresAt = await redis.pexpiretime(stored!);
  assert.ok(expiresAt > Date.now() && expiresAt <= Date.now() + 65_000, `expires at ${expiresAt}`);

  const raced = await proof();
  const outcomes = await Promise.allSettled([present(one, raced), present(two, raced), present(one, raced)]);
  assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), ['fulfilled', 'rejected', 'rejected']);
});
