import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MANAGEMENT_API } from '../../../../src/domain/api-resources/management-api.ts';
import {
  createRevocationFeed,
  createVerifier,
  type RevocationFeed,
  type RevokedToken,
  VerifyError,
} from '../../src/index.ts';
import {
  cliJson,
  startTessera,
  suiteScope,
  testEnv,
  type TesseraInstance,
} from '../../../../test/helpers/tessera-process.ts';
import {
  JWT_API,
  OPAQUE_API,
  postForm,
  type RegisteredClient,
  registerFixtures,
} from '../../../../test/helpers/tessera-setup.ts';

/**
 * tessera/verify subscribed to Tessera's Shared Signals stream (embedded profile): a JWT that an
 * API validates offline is refused within a second of its revocation, long before its `exp`, and
 * a revocation drops the verifier's cached introspection answers.
 */
type Fixtures = Awaited<ReturnType<typeof registerFixtures>>;

describe('the revocation feed of tessera/verify', () => {
  const scope = suiteScope(after);
  let tessera: TesseraInstance;
  let clients: Fixtures;
  let feed: RevocationFeed;
  const received: RevokedToken[] = [];
  const errors: unknown[] = [];

  const token = async (resource: string) => {
    const response = await postForm(`${tessera.url}/token`, clients.billing, {
      grant_type: 'client_credentials',
      resource,
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  const revoke = async (value: string) =>
    assert.equal(
      (await postForm(`${tessera.url}/token/revocation`, clients.billing, { token: value })).status,
      200,
    );

  /** Resolves when the feed has taken in the revocation of `id`, or rejects after `ms`. */
  const heard = (id: string, ms: number) =>
    new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const timer = setTimeout(() => reject(new Error(`no revocation of ${id} within ${ms} ms`)), ms);
      const stop = feed.onRevoked((event) => {
        if (event.tokenId !== id && event.jti !== id) return;
        clearTimeout(timer);
        stop();
        resolve(Date.now() - started);
      });
    });

  before(async () => {
    const env = testEnv(scope);
    clients = await registerFixtures(env);
    const signals = await cliJson<RegisteredClient>(env, [
      'clients',
      'create',
      '--name',
      'api-signals',
      '--grant-types',
      'client_credentials',
      '--resources',
      MANAGEMENT_API,
      '--scopes',
      'ssf',
    ]);
    tessera = await startTessera(scope, env);
    feed = createRevocationFeed({
      issuer: tessera.url,
      clientId: signals.client_id,
      clientSecret: signals.client_secret,
      onError: (error) => errors.push(error),
    });
    feed.onRevoked((event) => received.push(event));
    await feed.start();
    scope.after(() => feed.stop());
  });

  test('refuses a revoked JWT within a second of the revocation, though its exp is minutes away', async (t) => {
    const verifier = createVerifier({ issuer: tessera.url, audience: JWT_API, revocations: feed });
    const jwt = await token(JWT_API);
    const principal = await verifier.verify(jwt);
    const jti = principal.claims.jti as string;
    assert.ok((principal.claims.exp as number) * 1000 > Date.now() + 60_000);

    const seen = heard(jti, 1000);
    await revoke(jwt);
    // The promise to APIs: offline validation sees a revocation within a second.
    const latency = await seen;
    await assert.rejects(verifier.verify(jwt), (error: unknown) => {
      assert.ok(error instanceof VerifyError);
      assert.equal(error.code, 'invalid_token');
      assert.match(error.message, /revoked/);
      return true;
    });
    assert.deepEqual(
      { ...received.find((event) => event.jti === jti), exp: undefined },
      {
        tokenId: jti,
        kind: 'jwt',
        jti,
        subject: clients.billing.client_id,
        client: clients.billing.client_id,
        audience: [JWT_API],
        exp: undefined,
      },
    );
    t.diagnostic(`revocation seen after ${latency} ms`);
    // Another JWT of the same client is untouched.
    assert.equal((await verifier.verify(await token(JWT_API))).clientId, clients.billing.client_id);
  });

  test('drops cached introspection answers when a token is revoked', async () => {
    const verifier = createVerifier({
      issuer: tessera.url,
      audience: OPAQUE_API,
      introspection: {
        clientId: clients.resourceServer.client_id,
        clientSecret: clients.resourceServer.client_secret,
      },
      // Without the feed, this answer would be believed for five minutes.
      cache: { maxTtlSeconds: 300 },
      revocations: feed,
    });
    const opaque = await token(OPAQUE_API);
    assert.equal((await verifier.verify(opaque)).clientId, clients.billing.client_id);
    const count = received.length;
    await revoke(opaque);
    const deadline = Date.now() + 5000;
    while (received.length === count && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(received.length, count + 1, 'the feed heard the revocation');
    await assert.rejects(verifier.verify(opaque), VerifyError);
    assert.deepEqual(errors.map(String), []);
  });
});
