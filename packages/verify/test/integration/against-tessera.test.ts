import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test, type TestContext } from 'node:test';
import express, { type ErrorRequestHandler } from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { generateKeyPair, type JWK, SignJWT } from 'jose';
import { createVerifier, type VerifierOptions, VerifyError } from '../../src/index.ts';
import {
  createPat,
  createRat,
  createUser,
  exchanged,
  type IssuedToken,
  putMember,
  putResources,
  TOKEN_EXCHANGE,
} from '../../../../test/helpers/platform-setup.ts';
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
 * @tessera/verify against the real server (embedded profile): JWTs offline, opaque tokens, PATs and
 * RATs through introspection, JWTs exchanged for PATs and RATs (RFC 8693), revocation seen within
 * the cache bound, forged tokens refused, and Auth0's express-oauth2-jwt-bearer accepting the same
 * JWTs.
 */
type Fixtures = Awaited<ReturnType<typeof registerFixtures>>;

const rejects = async (promise: Promise<unknown>, code: string, message?: RegExp) => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VerifyError, `expected a VerifyError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('@tessera/verify against a running Tessera', () => {
  const scope = suiteScope(after);
  let tessera: TesseraInstance;
  let clients: Fixtures;
  let env: Record<string, string>;
  let exchanger: RegisteredClient;
  let bobId: string;

  before(async () => {
    env = testEnv(scope);
    tessera = await startTessera(scope, env);
    clients = await registerFixtures(env);
    exchanger = await cliJson<RegisteredClient>(env, [
      'clients',
      'create',
      '--name',
      'gateway',
      '--grant-types',
      TOKEN_EXCHANGE,
      '--resources',
      JWT_API,
    ]);
    await putResources(env, [
      ['groups/42', null],
      ['applications/7', 'groups/42'],
      ['groups/43', null],
    ]);
    bobId = await createUser(env, 'bob');
    await putMember(env, 'groups/42', 'bob', 'maintainer');
  });

  const inside = { type: 'groups', id: '42' };
  const below = { type: 'applications', id: '7', ancestors: [{ type: 'groups', id: '42' }] };
  const outside = { type: 'groups', id: '43' };

  const tokenFor = async (client: RegisteredClient, resource: string, scopes?: string) => {
    const response = await postForm(`${tessera.url}/token`, client, {
      grant_type: 'client_credentials',
      resource,
      ...(scopes ? { scope: scopes } : {}),
    });
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { access_token: string }).access_token;
  };

  const revoke = async (client: RegisteredClient, token: string) => {
    const response = await postForm(`${tessera.url}/token/revocation`, client, { token });
    assert.equal(response.status, 200);
  };

  const verifierFor = (audience: string, options: Partial<VerifierOptions> = {}) =>
    createVerifier({
      issuer: tessera.url,
      audience,
      introspection: {
        clientId: clients.resourceServer.client_id,
        clientSecret: clients.resourceServer.client_secret,
      },
      ...options,
    });

  test('accepts a JWT offline, and with introspectJwts sees its revocation within the cache bound', async () => {
    const jwt = await tokenFor(clients.billing, JWT_API, 'groups:read-only');
    const offline = createVerifier({ issuer: tessera.url, audience: JWT_API });
    const principal = await offline.verify(jwt);
    assert.equal(principal.subject, clients.billing.client_id);
    assert.equal(principal.clientId, clients.billing.client_id);
    assert.equal(principal.kind, 'client');
    assert.deepEqual(principal.scopes, ['groups:read-only']);
    assert.equal(principal.can('groups:read-only'), true);
    assert.equal(principal.can('groups:read-write'), false);
    assert.ok(principal.expiresAt && principal.expiresAt.getTime() > Date.now());

    const clock = { time: Date.now() };
    const online = verifierFor(JWT_API, {
      introspectJwts: true,
      cache: { maxTtlSeconds: 5 },
      now: () => clock.time,
    });
    assert.equal((await online.verify(jwt)).subject, clients.billing.client_id);

    await revoke(clients.billing, jwt);
    // Offline validation cannot see a revocation: the JWT stays good until its exp (keep TTLs short).
    assert.equal((await offline.verify(jwt)).subject, clients.billing.client_id);
    // The introspecting verifier may answer from its cache until the bound, and not after it.
    assert.equal((await online.verify(jwt)).subject, clients.billing.client_id);
    clock.time += 5_000;
    await rejects(online.verify(jwt), 'invalid_token', /not active/);
  });

  test('accepts an opaque token through introspection and sees its revocation within the cache bound', async () => {
    const opaque = await tokenFor(clients.billing, OPAQUE_API);
    assert.match(opaque, /^[A-Za-z0-9_-]{43}$/);
    const clock = { time: Date.now() };
    const verifier = verifierFor(OPAQUE_API, { cache: { maxTtlSeconds: 10 }, now: () => clock.time });
    const principal = await verifier.verify(opaque);
    assert.equal(principal.subject, clients.billing.client_id);
    assert.equal(principal.kind, 'client');
    assert.deepEqual(principal.scopes, ['instances:read-only']);
    assert.equal(principal.claims.aud, OPAQUE_API);

    await revoke(clients.billing, opaque);
    clock.time += 9_999;
    assert.equal((await verifier.verify(opaque)).subject, clients.billing.client_id);
    clock.time += 1;
    await rejects(verifier.verify(opaque), 'invalid_token', /not active/);

    // With no cache at all, the revocation is seen on the very next request.
    const uncached = await tokenFor(clients.billing, OPAQUE_API);
    const strict = verifierFor(OPAQUE_API, { cache: { maxTtlSeconds: 0 } });
    await strict.verify(uncached);
    await revoke(clients.billing, uncached);
    await rejects(strict.verify(uncached), 'invalid_token', /not active/);
  });

  test('refuses an opaque token meant for another API, and one it may not introspect', async () => {
    const opaque = await tokenFor(clients.billing, OPAQUE_API);
    await rejects(verifierFor(JWT_API).verify(opaque), 'invalid_token', /another audience/);
    // A client not registered to introspect for the token's API learns nothing from Tessera.
    const outsider = createVerifier({
      issuer: tessera.url,
      audience: OPAQUE_API,
      introspection: { clientId: clients.other.client_id, clientSecret: clients.other.client_secret },
    });
    await rejects(outsider.verify(opaque), 'invalid_token', /not active/);
    // Wrong verifier credentials are Tessera refusing the verifier, not the token.
    const misconfigured = createVerifier({
      issuer: tessera.url,
      audience: OPAQUE_API,
      introspection: { clientId: clients.resourceServer.client_id, clientSecret: 'wrong' },
    });
    await rejects(misconfigured.verify(opaque), 'temporarily_unavailable', /HTTP 401/);
  });

  test('accepts a PAT through introspection and sees its revocation within the cache bound', async () => {
    const pat: IssuedToken = await createPat(env, 'bob', 'groups:read-write');
    const clock = { time: Date.now() };
    const verifier = verifierFor(JWT_API, { cache: { maxTtlSeconds: 10 }, now: () => clock.time });
    const principal = await verifier.verify(pat.token);
    assert.equal(principal.kind, 'personal');
    assert.equal(principal.subject, bobId);
    assert.equal(principal.tokenId, pat.id);
    assert.equal(principal.clientId, undefined, 'no client holds a PAT');
    assert.deepEqual(principal.scopes, ['groups:read-only', 'groups:read-write']);
    assert.equal(principal.can('groups:read-write', outside), true, 'a PAT is limited by scope only');

    await cliJson(env, ['tokens', 'revoke', pat.id]);
    clock.time += 9_999;
    assert.equal((await verifier.verify(pat.token)).tokenId, pat.id);
    clock.time += 1;
    await rejects(verifier.verify(pat.token), 'invalid_token', /not active/);
    // A string that is not a well-formed PAT never reaches Tessera.
    await rejects(verifier.verify(`${pat.token.slice(0, -1)}!`), 'invalid_token', /well-formed/);
  });

  test('accepts a RAT on its resource and below it only, and sees its revocation within the cache bound', async () => {
    const rat = await createRat(env, 'groups/42', 'developer', 'groups:read-only applications:read-write');
    const clock = { time: Date.now() };
    const verifier = verifierFor(JWT_API, { cache: { maxTtlSeconds: 3 }, now: () => clock.time });
    const principal = await verifier.verify(rat.token);
    assert.equal(principal.kind, 'resource');
    assert.equal(principal.subject, rat.bot_id);
    assert.equal(principal.tokenId, rat.id);
    assert.deepEqual(principal.resource, inside);
    assert.equal(principal.role, 'developer');
    assert.equal(principal.can('groups:read-only', inside), true);
    assert.equal(principal.can('applications:read-write', below), true);
    assert.equal(principal.can('groups:read-write', inside), false, 'a developer reads groups only');
    assert.equal(principal.can('groups:read-only', outside), false);
    assert.equal(principal.can('groups:read-only'), false, 'never without a target');

    await cliJson(env, ['tokens', 'revoke', rat.id]);
    assert.equal((await verifier.verify(rat.token)).tokenId, rat.id);
    clock.time += 3_000;
    await rejects(verifier.verify(rat.token), 'invalid_token', /not active/);
  });

  test('accepts a JWT exchanged for a PAT or a RAT offline, with the same principal as the token itself', async () => {
    const pat = await createPat(env, 'bob', 'groups:read-write');
    const rat = await createRat(env, 'groups/42', 'guest', 'groups:read-only');
    const offline = createVerifier({ issuer: tessera.url, audience: JWT_API });

    const forPat = await offline.verify((await exchanged(tessera.url, exchanger, pat.token)).access_token);
    assert.equal(forPat.kind, 'personal');
    assert.equal(forPat.subject, bobId);
    assert.equal(forPat.tokenId, pat.id);
    assert.equal(forPat.clientId, exchanger.client_id);
    assert.deepEqual(forPat.scopes, ['groups:read-only', 'groups:read-write']);

    const jwt = (await exchanged(tessera.url, exchanger, rat.token)).access_token;
    const forRat = await offline.verify(jwt);
    const direct = await verifierFor(JWT_API).verify(rat.token);
    for (const field of ['kind', 'subject', 'tokenId', 'resource', 'role', 'scopes'] as const)
      assert.deepEqual(forRat[field], direct[field], field);
    assert.equal(forRat.can('groups:read-only', inside), true);
    assert.equal(forRat.can('groups:read-only', outside), false);

    // Its payload is signed: a RAT's JWT cannot be turned into an unrestricted one.
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const { resource: _resource, role: _role, ...rest } = claims;
    const unbound = { ...rest, token_kind: 'personal' };
    await rejects(offline.verify(`${header}.${b64(unbound)}.${signature}`), 'invalid_token', /signature/);
  });

  test('refuses forged JWTs: alg none, HS256 with the public key, a tampered payload, a foreign key with Tessera’s kid', async () => {
    const verifier = createVerifier({ issuer: tessera.url, audience: JWT_API });
    const genuine = await tokenFor(clients.billing, JWT_API);
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
    const escalated = { ...claims, scope: 'groups:read-write' };

    await rejects(
      verifier.verify(`${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(escalated)}.`),
      'invalid_token',
    );

    const jwks = (await (await fetch(`${tessera.url}/jwks`)).json()) as { keys: JWK[] };
    const published = jwks.keys.find((key) => key.kid === kid)!;
    const pem = createPublicKey({ key: published as never, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    const hmac = await new SignJWT(escalated)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid })
      .sign(new TextEncoder().encode(pem.toString()));
    await rejects(verifier.verify(hmac), 'invalid_token', /algorithm/);

    await rejects(verifier.verify(`${header}.${b64(escalated)}.${signature}`), 'invalid_token', /signature/);

    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT(escalated)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .sign(privateKey);
    await rejects(verifier.verify(foreign), 'invalid_token', /signature/);

    // The genuine token still passes: the refusals above are about the forgeries.
    assert.equal((await verifier.verify(genuine)).subject, clients.billing.client_id);
  });

  test('Auth0’s express-oauth2-jwt-bearer accepts a Tessera JWT and an exchanged one, and rejects them for another audience', async (t: TestContext) => {
    const jwt = await tokenFor(clients.billing, JWT_API, 'groups:read-only');
    const pat = await createPat(env, 'bob', 'groups:read-only');
    const exchangedJwt = (await exchanged(tessera.url, exchanger, pat.token)).access_token;
    const app = express();
    // The library leaves its RFC 6750 headers on the error for the app's error handler to send.
    const sendAuthError: ErrorRequestHandler = (
      error: { status?: number; headers?: Record<string, string>; message: string },
      _req,
      res,
      _next,
    ) => {
      res
        .status(error.status ?? 500)
        .set(error.headers ?? {})
        .json({ message: error.message });
    };
    app.get(
      '/ours',
      auth({ issuerBaseURL: tessera.url, audience: JWT_API, tokenSigningAlg: 'ES256' }),
      (req, res) => {
        res.json({ sub: req.auth?.payload.sub, typ: req.auth?.header.typ });
      },
    );
    // strict: the library's RFC 9068 profile (typ at+jwt and every required claim).
    app.get(
      '/strict',
      auth({ issuerBaseURL: tessera.url, audience: JWT_API, tokenSigningAlg: 'ES256', strict: true }),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    app.get(
      '/theirs',
      auth({
        issuerBaseURL: tessera.url,
        audience: 'https://another-api.example.test',
        tokenSigningAlg: 'ES256',
      }),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    app.use(sendAuthError);
    const server = createServer(app);
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    t.after(() => new Promise<void>((closed) => server.close(() => closed())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const accepted = await fetch(`${base}/ours`, { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(accepted.status, 200, await accepted.clone().text());
    assert.deepEqual(await accepted.json(), { sub: clients.billing.client_id, typ: 'at+jwt' });

    const strict = await fetch(`${base}/strict`, { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(strict.status, 200, await strict.clone().text());

    const refused = await fetch(`${base}/theirs`, { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.match(((await refused.json()) as { message: string }).message, /aud/);

    // The JWT exchanged for a PAT: RFC 9068 to the letter, speaking for the PAT's owner.
    const ours = await fetch(`${base}/ours`, { headers: { authorization: `Bearer ${exchangedJwt}` } });
    assert.equal(ours.status, 200, await ours.clone().text());
    assert.deepEqual(await ours.json(), { sub: bobId, typ: 'at+jwt' });
    const strictly = await fetch(`${base}/strict`, { headers: { authorization: `Bearer ${exchangedJwt}` } });
    assert.equal(strictly.status, 200, await strictly.clone().text());
    const theirs = await fetch(`${base}/theirs`, { headers: { authorization: `Bearer ${exchangedJwt}` } });
    assert.equal(theirs.status, 401);
    assert.match(theirs.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.match(((await theirs.json()) as { message: string }).message, /aud/);
  });
});
