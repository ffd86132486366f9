import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { createVerifier } from '@tessera/verify';
import {
  ACCESS_TOKEN_TYPE,
  createPat,
  createRat,
  createUser,
  exchange,
  exchanged,
  type IssuedToken,
  putMember,
  putResources,
  TOKEN_EXCHANGE,
} from '../../helpers/platform-setup.ts';
import {
  productionEnv,
  productionSkipReason,
  type ProductionEnv,
  redisKeys,
} from '../../helpers/production-env.ts';
import { cliJson, startTessera, suiteScope, type TesseraInstance } from '../../helpers/tessera-process.ts';
import { postForm, type RegisteredClient } from '../../helpers/tessera-setup.ts';

/**
 * RFC 8693 token exchange at `/token` against the real server on PostgreSQL + Redis: a PAT or RAT
 * becomes a short-lived JWT for one API, and every way a request can be wrong has its RFC error.
 */
const JWT_API = 'https://api.example.test';
const OPAQUE_API = 'https://opaque.example.test';
const OTHER_API = 'https://other.example.test';
const MANAGEMENT_API = 'urn:tessera:management';

type Json = Record<string, unknown>;

describe('token exchange', { skip: await productionSkipReason() }, () => {
  const scope = suiteScope(after);
  let production: ProductionEnv;
  let tessera: TesseraInstance;
  let exchanger: RegisteredClient;
  let servicesOnly: RegisteredClient;
  let resourceServer: RegisteredClient;
  let bobId: string;
  let bobPat: IssuedToken;
  let rat: IssuedToken;

  const env = () => production.env;

  const refused = async (response: Response, status: number, error: string) => {
    const body = (await response.json()) as Json;
    assert.equal(response.status, status, JSON.stringify(body));
    assert.equal(body.error, error, JSON.stringify(body));
    assert.equal(body.access_token, undefined);
    return body;
  };

  const introspect = async (token: string) =>
    (await (await postForm(`${tessera.url}/token/introspection`, resourceServer, { token })).json()) as Json;

  /** Points the PAT's record at another expiry, and drops its Redis entry so Postgres is read again. */
  const setExpiry = async (id: string, sql: string) => {
    await production.sql(`update access_tokens set expires_at = ${sql} where id = $1`, [id]);
    const keys = await redisKeys(production.redis, `${production.redisPrefix}AccessTokenEntry:`);
    if (keys.length > 0) await production.redis.del(...keys);
  };

  before(async () => {
    const prepared = await productionEnv(scope);
    assert.ok(prepared, 'PostgreSQL and Redis are needed');
    production = prepared;
    tessera = await startTessera(scope, env());
    const api = (identifier: string, args: string[]) =>
      cliJson(env(), ['api-resources', 'create', '--identifier', identifier, '--name', identifier, ...args]);
    await api(JWT_API, [
      '--format',
      'jwt',
      '--scopes',
      'groups:read-only groups:read-write applications:read-only applications:read-write',
      '--ttl',
      '3600',
    ]);
    await api(OPAQUE_API, [
      '--format',
      'opaque',
      '--scopes',
      'instances:read-only',
      '--ttl',
      '120',
      '--signing-alg',
      'RS256',
    ]);
    await api(OTHER_API, ['--format', 'jwt', '--scopes', 'groups:read-only']);
    const client = (name: string, args: string[]) =>
      cliJson<RegisteredClient>(env(), ['clients', 'create', '--name', name, ...args]);
    exchanger = await client('gateway', [
      '--grant-types',
      TOKEN_EXCHANGE,
      '--resources',
      `${JWT_API},${OPAQUE_API},${MANAGEMENT_API}`,
    ]);
    servicesOnly = await client('billing', [
      '--grant-types',
      'client_credentials',
      '--resources',
      JWT_API,
      '--scopes',
      'groups:read-only',
    ]);
    resourceServer = await client('api', [
      '--grant-types',
      'client_credentials',
      '--resources',
      JWT_API,
      '--introspects',
      `${JWT_API},${OPAQUE_API}`,
    ]);

    await putResources(env(), [
      ['groups/42', null],
      ['applications/7', 'groups/42'],
      ['instances/9', 'applications/7'],
      ['groups/43', null],
    ]);
    bobId = await createUser(env(), 'bob');
    await createUser(env(), 'carol');
    await putMember(env(), 'groups/42', 'bob', 'maintainer');
    await putMember(env(), 'groups/42', 'carol', 'guest');
    bobPat = await createPat(env(), 'bob', 'groups:read-write applications:read-write instances:read-only');
    rat = await createRat(env(), 'groups/42', 'developer', 'groups:read-only applications:read-write');
  });

  test('discovery lists the grant', async () => {
    const discovery = (await (await fetch(`${tessera.url}/.well-known/openid-configuration`)).json()) as {
      grant_types_supported: string[];
    };
    assert.ok(discovery.grant_types_supported.includes(TOKEN_EXCHANGE));
  });

  test("a PAT becomes a JWT for the API, speaking for its owner with the PAT's effective scopes, for 15 minutes at most", async () => {
    const answer = await exchanged(tessera.url, exchanger, bobPat.token, { resource: JWT_API });
    assert.equal(answer.issued_token_type, ACCESS_TOKEN_TYPE);
    assert.equal(answer.token_type, 'Bearer');
    assert.equal(answer.expires_in, 900, 'the API allows an hour; an exchanged token lives 15 minutes');
    assert.equal(
      answer.scope,
      'groups:read-only groups:read-write applications:read-only applications:read-write',
    );

    const jwks = (await (await fetch(`${tessera.url}/jwks`)).json()) as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(answer.access_token, createLocalJWKSet(jwks), {
      issuer: tessera.url,
      audience: JWT_API,
      typ: 'at+jwt',
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.deepEqual(Object.keys(payload).sort(), [
      'aud',
      'client_id',
      'exp',
      'iat',
      'iss',
      'jti',
      'scope',
      'sub',
      'token_id',
      'token_kind',
    ]);
    assert.equal(payload.sub, bobId);
    assert.equal(payload.client_id, exchanger.client_id);
    assert.equal(payload.token_id, bobPat.id);
    assert.equal(payload.token_kind, 'personal');
    assert.equal(payload.scope, answer.scope);
    assert.equal((payload.exp as number) - (payload.iat as number), 900);

    const principal = await createVerifier({ issuer: tessera.url, audience: JWT_API }).verify(
      answer.access_token,
    );
    assert.equal(principal.kind, 'personal');
    assert.equal(principal.subject, bobId);
    assert.equal(principal.clientId, exchanger.client_id);
    assert.equal(principal.tokenId, bobPat.id);
    assert.equal(principal.can('applications:read-write', { type: 'applications', id: '8' }), true);
  });

  test('a narrower scope is honoured, and requested_token_type access_token or jwt are both accepted', async () => {
    for (const requested of [ACCESS_TOKEN_TYPE, 'urn:ietf:params:oauth:token-type:jwt']) {
      const answer = await exchanged(tessera.url, exchanger, bobPat.token, {
        resource: JWT_API,
        scope: 'groups:read-only',
        requested_token_type: requested,
      });
      assert.equal(answer.scope, 'groups:read-only');
      assert.equal(decodeJwt(answer.access_token).scope, 'groups:read-only');
    }
  });

  test('a RAT becomes a JWT for its bot, with its resource and role, good on that subtree only', async () => {
    const answer = await exchanged(tessera.url, exchanger, rat.token, { resource: JWT_API });
    assert.equal(answer.scope, 'groups:read-only applications:read-only applications:read-write');
    const claims = decodeJwt(answer.access_token);
    assert.equal(claims.sub, rat.bot_id);
    assert.equal(claims.token_id, rat.id);
    assert.equal(claims.token_kind, 'resource');
    assert.deepEqual(claims.resource, { type: 'groups', id: '42' });
    assert.equal(claims.role, 'developer');

    const principal = await createVerifier({ issuer: tessera.url, audience: JWT_API }).verify(
      answer.access_token,
    );
    assert.equal(principal.kind, 'resource');
    assert.deepEqual(principal.resource, { type: 'groups', id: '42' });
    assert.equal(principal.role, 'developer');
    const inside = { type: 'applications', id: '7', ancestors: [{ type: 'groups', id: '42' }] };
    const outside = { type: 'applications', id: '8', ancestors: [{ type: 'groups', id: '43' }] };
    assert.equal(principal.can('applications:read-write', inside), true);
    assert.equal(principal.can('applications:read-write', outside), false);
    assert.equal(principal.can('groups:read-write', { type: 'groups', id: '42' }), false);
  });

  test("an opaque API still gets a JWT, signed with the API's algorithm and living no longer than its TTL", async () => {
    const answer = await exchanged(tessera.url, exchanger, bobPat.token, { resource: OPAQUE_API });
    assert.equal(answer.expires_in, 120);
    assert.equal(answer.scope, 'instances:read-only');
    assert.deepEqual(decodeProtectedHeader(answer.access_token).alg, 'RS256');
    assert.equal(decodeJwt(answer.access_token).aud, OPAQUE_API);
  });

  test('the JWT never outlives the PAT it came from', async () => {
    const soon = await createPat(env(), 'bob', 'groups:read-only');
    await setExpiry(soon.id, "now() + interval '60 seconds'");
    const answer = await exchanged(tessera.url, exchanger, soon.token, { resource: JWT_API });
    assert.ok(answer.expires_in <= 61 && answer.expires_in >= 50, `expires_in ${answer.expires_in}`);
    const claims = decodeJwt(answer.access_token);
    assert.equal((claims.exp as number) - (claims.iat as number), answer.expires_in);
  });

  test('Tessera introspects the exchanged JWT for the API and revokes it for the exchanging client', async () => {
    const { access_token: jwt } = await exchanged(tessera.url, exchanger, bobPat.token, {
      resource: JWT_API,
    });
    const active = await introspect(jwt);
    assert.equal(active.active, true);
    assert.equal(active.sub, bobId);
    assert.equal(active.client_id, exchanger.client_id);
    assert.equal(active.token_id, bobPat.id);
    assert.equal(active.token_kind, 'personal');
    // Only the client it was issued to may revoke it.
    const foreign = await postForm(`${tessera.url}/token/revocation`, servicesOnly, { token: jwt });
    assert.equal(foreign.status, 400);
    assert.equal((await introspect(jwt)).active, true);
    const revoked = await postForm(`${tessera.url}/token/revocation`, exchanger, { token: jwt });
    assert.equal(revoked.status, 200);
    assert.deepEqual(await introspect(jwt), { active: false });
  });

  test('revoking the PAT kills its exchanged JWT wherever Tessera checks it: introspection (seen by @tessera/verify within the cache bound) and the management API', async () => {
    const pat = await createPat(env(), 'bob', 'tokens:read groups:read-only');
    const { access_token: jwt } = await exchanged(tessera.url, exchanger, pat.token, { resource: JWT_API });
    const { access_token: managing } = await exchanged(tessera.url, exchanger, pat.token, {
      resource: MANAGEMENT_API,
    });
    const clock = { time: Date.now() };
    const online = createVerifier({
      issuer: tessera.url,
      audience: JWT_API,
      introspection: { clientId: resourceServer.client_id, clientSecret: resourceServer.client_secret },
      introspectJwts: true,
      cache: { maxTtlSeconds: 10 },
      now: () => clock.time,
    });
    const offline = createVerifier({ issuer: tessera.url, audience: JWT_API });
    assert.equal((await online.verify(jwt)).tokenId, pat.id);
    const listed = await fetch(`${tessera.url}/v1/access-tokens`, {
      headers: { authorization: `Bearer ${managing}` },
    });
    assert.equal(listed.status, 200);

    await cliJson(env(), ['tokens', 'revoke', pat.id]);
    assert.deepEqual(await introspect(jwt), { active: false });
    const refusedNow = await fetch(`${tessera.url}/v1/access-tokens`, {
      headers: { authorization: `Bearer ${managing}` },
    });
    assert.equal(refusedNow.status, 401);
    // The verifier may answer from its cache until the bound, and not after it.
    assert.equal((await online.verify(jwt)).tokenId, pat.id);
    clock.time += 10_000;
    await assert.rejects(online.verify(jwt), { code: 'invalid_token' });
    // Offline validation cannot see it: the JWT is good until its exp, 15 minutes at most.
    assert.equal((await offline.verify(jwt)).tokenId, pat.id);
  });

  test('a subject_token_type other than access_token is invalid_request, and so are missing parameters', async () => {
    for (const type of [
      'urn:ietf:params:oauth:token-type:refresh_token',
      'urn:ietf:params:oauth:token-type:jwt',
      'urn:ietf:params:oauth:token-type:id_token',
      'access_token',
    ]) {
      const body = await refused(
        await exchange(tessera.url, exchanger, bobPat.token, { subject_token_type: type }),
        400,
        'invalid_request',
      );
      assert.match(body.error_description as string, /subject_token_type/);
    }
    const missing = await postForm(`${tessera.url}/token`, exchanger, {
      grant_type: TOKEN_EXCHANGE,
      subject_token: bobPat.token,
    });
    await refused(missing, 400, 'invalid_request');
    const noToken = await postForm(`${tessera.url}/token`, exchanger, {
      grant_type: TOKEN_EXCHANGE,
      subject_token_type: ACCESS_TOKEN_TYPE,
    });
    await refused(noToken, 400, 'invalid_request');
  });

  test('an unsupported requested_token_type or an actor token is invalid_request', async () => {
    await refused(
      await exchange(tessera.url, exchanger, bobPat.token, {
        requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      }),
      400,
      'invalid_request',
    );
    await refused(
      await exchange(tessera.url, exchanger, bobPat.token, {
        actor_token: rat.token,
        actor_token_type: ACCESS_TOKEN_TYPE,
      }),
      400,
      'invalid_request',
    );
  });

  test('a revoked PAT is invalid_grant', async () => {
    const pat = await createPat(env(), 'bob', 'groups:read-only');
    await exchanged(tessera.url, exchanger, pat.token, { resource: JWT_API });
    await cliJson(env(), ['tokens', 'revoke', pat.id]);
    const body = await refused(await exchange(tessera.url, exchanger, pat.token), 400, 'invalid_grant');
    assert.equal(body.error_description, 'subject_token is invalid, expired or revoked');
  });

  test('an expired PAT is invalid_grant', async () => {
    const pat = await createPat(env(), 'bob', 'groups:read-only');
    await setExpiry(pat.id, "now() - interval '1 second'");
    await refused(await exchange(tessera.url, exchanger, pat.token), 400, 'invalid_grant');
  });

  test('malformed, bad-checksum, unknown and non-Tessera subject tokens are invalid_grant', async () => {
    const { access_token: clientJwt } = (await (
      await postForm(`${tessera.url}/token`, servicesOnly, { grant_type: 'client_credentials' })
    ).json()) as { access_token: string };
    const last = bobPat.token.at(-1) === 'A' ? 'B' : 'A';
    for (const subject of [
      'not a token',
      'tsr_pat_short',
      `${bobPat.token.slice(0, -1)}${last}`, // checksum no longer matches
      `tsr_pat_${'0'.repeat(43)}${bobPat.token.slice(-6)}`, // well-formed shape, wrong checksum
      clientJwt,
    ]) {
      const body = await refused(await exchange(tessera.url, exchanger, subject), 400, 'invalid_grant');
      assert.equal(body.error_description, 'subject_token is invalid, expired or revoked');
    }
  });

  test("a disabled owner's PAT and a RAT whose bot lost its membership are invalid_grant", async () => {
    const carols = await createPat(env(), 'carol', 'groups:read-only');
    await exchanged(tessera.url, exchanger, carols.token, { resource: JWT_API });
    await cliJson(env(), ['users', 'disable', 'carol']);
    await refused(await exchange(tessera.url, exchanger, carols.token), 400, 'invalid_grant');

    const doomed = await createRat(env(), 'groups/42', 'guest', 'groups:read-only');
    await exchanged(tessera.url, exchanger, doomed.token, { resource: JWT_API });
    await cliJson(env(), ['resources', 'members', 'delete', 'groups', '42', doomed.bot_id as string]);
    await refused(await exchange(tessera.url, exchanger, doomed.token), 400, 'invalid_grant');
  });

  test('a scope beyond the PAT, or one the API does not define, is invalid_scope', async () => {
    const narrow = await createPat(env(), 'bob', 'groups:read-only');
    const body = await refused(
      await exchange(tessera.url, exchanger, narrow.token, { resource: JWT_API, scope: 'groups:read-write' }),
      400,
      'invalid_scope',
    );
    assert.match(body.error_description as string, /groups:read-write/);
    await refused(
      await exchange(tessera.url, exchanger, bobPat.token, {
        resource: JWT_API,
        scope: 'instances:read-only',
      }),
      400,
      'invalid_scope',
    );
    // The PAT may do nothing at this API at all.
    await refused(
      await exchange(tessera.url, exchanger, narrow.token, { resource: OPAQUE_API }),
      400,
      'invalid_scope',
    );
  });

  test('a resource the client may not use, an unknown one, two at once, or one the PAT is restricted from, is invalid_target', async () => {
    const targets: Record<string, string>[] = [
      { resource: OTHER_API },
      { resource: 'https://unknown.example.test' },
      { audience: OTHER_API },
    ];
    for (const values of targets) {
      await refused(await exchange(tessera.url, exchanger, bobPat.token, values), 400, 'invalid_target');
    }
    const both = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      subject_token: bobPat.token,
      subject_token_type: ACCESS_TOKEN_TYPE,
    });
    both.append('resource', JWT_API);
    both.append('resource', OPAQUE_API);
    const twice = await fetch(`${tessera.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${exchanger.client_id}:${exchanger.client_secret}`).toString('base64')}`,
      },
      body: both,
    });
    await refused(twice, 400, 'invalid_target');

    const restricted = await createPat(env(), 'bob', 'instances:read-only groups:read-only', [
      '--audience',
      OPAQUE_API,
    ]);
    await exchanged(tessera.url, exchanger, restricted.token, { resource: OPAQUE_API });
    await refused(
      await exchange(tessera.url, exchanger, restricted.token, { resource: JWT_API }),
      400,
      'invalid_target',
    );
  });

  test('a client not registered for the grant is unauthorized_client; a wrong secret invalid_client; no client no token', async () => {
    await refused(
      await exchange(tessera.url, servicesOnly, bobPat.token, { resource: JWT_API }),
      400,
      'unauthorized_client',
    );
    // Without any client authentication the library answers invalid_request, as for every grant.
    await refused(
      await exchange(tessera.url, undefined, bobPat.token, { resource: JWT_API }),
      400,
      'invalid_request',
    );
    await refused(
      await exchange(tessera.url, { ...exchanger, client_secret: 'wrong' }, bobPat.token, {
        resource: JWT_API,
      }),
      401,
      'invalid_client',
    );
  });
});
