import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { MANAGEMENT_API } from '../../src/domain/api-resources/management-api.ts';
import { productionEnv, productionSkipReason, type ProductionEnv } from '../helpers/production-env.ts';
import { cliJson, startTessera, suiteScope, type TesseraInstance } from '../helpers/tessera-process.ts';
import { JWT_API, postForm, registerFixtures, type RegisteredClient } from '../helpers/tessera-setup.ts';

/**
 * Tessera as a Shared Signals transmitter, against the real server on PostgreSQL + Redis: a
 * receiver manages its streams with a client_credentials token (scope `ssf`), and a revocation
 * reaches it as Security Event Tokens signed with Tessera's keys — by RFC 8936 poll and by RFC 8935
 * push to an HTTP receiver this test runs, retried after a failure.
 */
type Json = Record<string, unknown>;

const TOKEN_REVOKED = 'urn:tessera:secevent:token-revoked';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
const PUSH = 'urn:ietf:rfc:8935';
const POLL = 'urn:ietf:rfc:8936';

describe('shared signals transmitter', { skip: await productionSkipReason() }, () => {
  const scope = suiteScope(after);
  let production: ProductionEnv;
  let tessera: TesseraInstance;
  let billing: RegisteredClient;
  let receiver: RegisteredClient;
  let outsider: RegisteredClient;
  let receiverToken: string;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  const tokenFor = async (client: RegisteredClient, resource: string, scopeValue?: string) => {
    const response = await postForm(`${tessera.url}/token`, client, {
      grant_type: 'client_credentials',
      resource,
      ...(scopeValue ? { scope: scopeValue } : {}),
    });
    const body = (await response.json()) as Json;
    assert.equal(response.status, 200, JSON.stringify(body));
    return body.access_token as string;
  };

  const ssf = async (method: string, path: string, body?: unknown, token = receiverToken) => {
    const response = await fetch(`${tessera.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };

  const verifySet = async (set: string) => {
    const { payload, protectedHeader } = await jwtVerify(set, jwks, {
      issuer: tessera.url,
      audience: receiver.client_id,
      typ: 'secevent+jwt',
    });
    assert.equal(protectedHeader.typ, 'secevent+jwt');
    assert.equal(typeof payload.jti, 'string');
    return payload as Json & { events: Record<string, Json>; sub_id: Json };
  };

  const revokeJwt = async (token: string) => {
    const response = await postForm(`${tessera.url}/token/revocation`, billing, { token });
    assert.equal(response.status, 200);
  };

  const jtiOf = (jwt: string) =>
    (JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as { jti: string }).jti;

  before(async () => {
    const env = await productionEnv(scope);
    assert.ok(env, 'PostgreSQL and Redis are needed');
    production = env;
    ({ billing } = await registerFixtures(production.env));
    const create = (name: string, scopes: string) =>
      cliJson<RegisteredClient>(production.env, [
        'clients',
        'create',
        '--name',
        name,
        '--grant-types',
        'client_credentials',
        '--resources',
        MANAGEMENT_API,
        '--scopes',
        scopes,
      ]);
    receiver = await create('api-gateway', 'ssf');
    outsider = await create('outsider', 'ssf tokens:read');
    // The push receiver below listens on loopback, which only an operator's setting allows.
    tessera = await startTessera(scope, { ...production.env, TESSERA_WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' });
    jwks = createRemoteJWKSet(new URL(`${tessera.url}/jwks`));
    receiverToken = await tokenFor(receiver, MANAGEMENT_API, 'ssf');
  });

  test('publishes its SSF configuration', async () => {
    const response = await fetch(`${tessera.url}/.well-known/ssf-configuration`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      spec_version: '1_0',
      issuer: tessera.url,
      jwks_uri: `${tessera.url}/jwks`,
      delivery_methods_supported: [PUSH, POLL],
      configuration_endpoint: `${tessera.url}/ssf/streams`,
      status_endpoint: `${tessera.url}/ssf/status`,
      verification_endpoint: `${tessera.url}/ssf/verify`,
      add_subject_endpoint: `${tessera.url}/ssf/subjects/add`,
      remove_subject_endpoint: `${tessera.url}/ssf/subjects/remove`,
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
      default_subjects: 'ALL',
      events_supported: [TOKEN_REVOKED, SESSION_REVOKED],
    });
    const openApi = await fetch(`${tessera.url}/ssf/openapi.json`);
    assert.equal(openApi.status, 200);
    assert.deepEqual(((await openApi.json()) as { servers: unknown }).servers, [{ url: tessera.url }]);
  });

  test('refuses stream management without a token or without the ssf scope, and unknown methods', async () => {
    const anonymous = await fetch(`${tessera.url}/ssf/streams`);
    assert.equal(anonymous.status, 401);
    const wrongMethod = await fetch(`${tessera.url}/ssf/status`, { method: 'PUT' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'HEAD, GET, POST');
    const noScope = await ssf(
      'GET',
      '/ssf/streams',
      undefined,
      await tokenFor(outsider, MANAGEMENT_API, 'tokens:read'),
    );
    assert.equal(noScope.status, 403);
    assert.match(noScope.body.detail as string, /needs the scope ssf/);
  });

  test('a poll stream receives a verification event and the SETs of a revocation, signed against /jwks', async () => {
    const created = await ssf('POST', '/ssf/streams', { delivery: { method: POLL }, description: 'gateway' });
    assert.equal(created.status, 201);
    const stream = created.body as Json & { stream_id: string; delivery: { endpoint_url: string } };
    assert.deepEqual(
      { ...stream, stream_id: undefined },
      {
        stream_id: undefined,
        iss: tessera.url,
        aud: receiver.client_id,
        events_supported: [TOKEN_REVOKED, SESSION_REVOKED],
        events_requested: [TOKEN_REVOKED, SESSION_REVOKED],
        events_delivered: [TOKEN_REVOKED, SESSION_REVOKED],
        delivery: { method: POLL, endpoint_url: `${tessera.url}/ssf/poll/${stream.stream_id}` },
        description: 'gateway',
      },
    );
    const pollPath = new URL(stream.delivery.endpoint_url).pathname;

    assert.equal(
      (await ssf('POST', '/ssf/verify', { stream_id: stream.stream_id, state: 'xyz' })).status,
      204,
    );
    const verification = await ssf('POST', pollPath, { returnImmediately: true });
    assert.equal(verification.status, 200);
    const [[verificationJti, verificationSet]] = Object.entries(
      verification.body.sets as Record<string, string>,
    ) as [[string, string]];
    const verificationClaims = await verifySet(verificationSet);
    assert.equal(verificationClaims.jti, verificationJti);
    assert.deepEqual(verificationClaims.events, { [VERIFICATION]: { state: 'xyz' } });

    const jwt = await tokenFor(billing, JWT_API);
    await revokeJwt(jwt);
    // Long polling: the answer comes as soon as the revocation is queued.
    const polled = await ssf('POST', pollPath, { ack: [verificationJti], maxEvents: 10 });
    assert.equal(polled.status, 200);
    const sets = await Promise.all(Object.values(polled.body.sets as Record<string, string>).map(verifySet));
    assert.equal(sets.length, 2);
    const tesseraEvent = sets.find((set) => set.events[TOKEN_REVOKED])?.events[TOKEN_REVOKED] as Json;
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as Json;
    assert.deepEqual(
      { ...tesseraEvent, event_timestamp: undefined },
      {
        token_id: claims.jti,
        token_kind: 'jwt',
        jti: claims.jti,
        subject: claims.sub,
        client: billing.client_id,
        audience: [JWT_API],
        exp: claims.exp,
        reason: 'revoked',
        event_timestamp: undefined,
      },
    );
    const caep = sets.find((set) => set.events[SESSION_REVOKED]);
    assert.deepEqual(caep?.sub_id, {
      format: 'complex',
      session: { format: 'opaque', id: claims.jti },
      user: { format: 'opaque', id: claims.sub },
    });

    const acked = await ssf('POST', pollPath, {
      ack: Object.keys(polled.body.sets as Json),
      returnImmediately: true,
    });
    assert.deepEqual(acked.body, { sets: {}, moreAvailable: false });

    // A long poll on an empty stream waits, and answers with a revocation made while it waited.
    const waiting = ssf('POST', pollPath, { maxEvents: 10 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = await tokenFor(billing, JWT_API);
    await revokeJwt(later);
    const answered = await waiting;
    const laterSets = await Promise.all(
      Object.values(answered.body.sets as Record<string, string>).map(verifySet),
    );
    assert.ok(laterSets.some((set) => (set.events[TOKEN_REVOKED] as Json | undefined)?.jti === jtiOf(later)));
  });

  test('a push stream POSTs each SET to the receiver, and retries after a failure', async () => {
    const received: { type: string | undefined; authorization: string | undefined; body: string }[] = [];
    let failNext = true;
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ type: req.headers['content-type'], authorization: req.headers.authorization, body });
        res.statusCode = failNext ? 500 : 202;
        failNext = false;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    scope.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;

    const created = await ssf('POST', '/ssf/streams', {
      delivery: { method: PUSH, endpoint_url: url, authorization_header: 'Bearer receiver-secret' },
      events_requested: [TOKEN_REVOKED],
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.delivery, { method: PUSH, endpoint_url: url });
    const [stored] = await production.sql('select push_authorization from ssf_streams where id = $1', [
      created.body.stream_id,
    ]);
    assert.ok(!String(stored?.push_authorization).includes('receiver-secret'), 'sealed at rest');

    const jwt = await tokenFor(billing, JWT_API);
    await revokeJwt(jwt);
    const deadline = Date.now() + 15_000;
    while (received.length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(received.length, 2, 'one refused attempt, then the retry');
    const [first, retry] = await Promise.all(received.map((request) => verifySet(request.body)));
    assert.equal(retry?.jti, first?.jti, 'the retry sends the same SET (signed again)');
    for (const request of received) {
      assert.equal(request.type, 'application/secevent+jwt');
      assert.equal(request.authorization, 'Bearer receiver-secret');
    }
    assert.equal(decodeProtectedHeader(received[1]?.body as string).typ, 'secevent+jwt');
    const claims = await verifySet(received[1]?.body as string);
    assert.equal((claims.events[TOKEN_REVOKED] as Json).jti, jtiOf(jwt));
    const [row] = await production.sql('select attempts, acked_at from ssf_queue where stream_id = $1', [
      created.body.stream_id,
    ]);
    assert.equal(row?.attempts, 1);
    assert.ok(row?.acked_at instanceof Date);
  });

  test('a removed subject’s revocations skip the stream until the subject is added again', async () => {
    const { body } = await ssf('POST', '/ssf/streams', { events_requested: [TOKEN_REVOKED] });
    const id = body.stream_id as string;
    const pollPath = `/ssf/poll/${id}`;
    const revokedJtis = async () => {
      const polled = await ssf('POST', pollPath, { returnImmediately: true, maxEvents: 100 });
      assert.equal(polled.status, 200, JSON.stringify(polled.body));
      const sets = await Promise.all(
        Object.values(polled.body.sets as Record<string, string>).map(verifySet),
      );
      await ssf('POST', pollPath, { ack: Object.keys(polled.body.sets as Json), returnImmediately: true });
      return sets.map((set) => (set.events[TOKEN_REVOKED] as Json).jti);
    };
    const billingSubject = { format: 'opaque', id: billing.client_id };

    assert.equal(
      (await ssf('POST', '/ssf/subjects/remove', { stream_id: id, subject: billingSubject })).status,
      204,
    );
    const whileRemoved = await tokenFor(billing, JWT_API);
    await revokeJwt(whileRemoved);
    assert.deepEqual(await revokedJtis(), [], 'nothing about the removed client');

    const added = await ssf('POST', '/ssf/subjects/add', { stream_id: id, subject: billingSubject });
    assert.deepEqual(added, { status: 200, body: {} });
    const afterAdded = await tokenFor(billing, JWT_API);
    await revokeJwt(afterAdded);
    assert.deepEqual(await revokedJtis(), [jtiOf(afterAdded)]);

    // A token's own jti works as a subject too: only that token's revocation is left out.
    const [skipped, kept] = [await tokenFor(billing, JWT_API), await tokenFor(billing, JWT_API)];
    await ssf('POST', '/ssf/subjects/remove', {
      stream_id: id,
      subject: { format: 'opaque', id: jtiOf(skipped) },
    });
    await revokeJwt(skipped);
    await revokeJwt(kept);
    assert.deepEqual(await revokedJtis(), [jtiOf(kept)]);

    const email = await ssf('POST', '/ssf/subjects/remove', {
      stream_id: id,
      subject: { format: 'email', email: 'a@example.com' },
    });
    assert.equal(email.status, 400);
    assert.match(
      email.body.detail as string,
      /\/subject\/format: Tessera names subjects in the opaque format/,
    );
    const outsiderToken = await tokenFor(outsider, MANAGEMENT_API, 'ssf');
    const foreign = await ssf(
      'POST',
      '/ssf/subjects/remove',
      { stream_id: id, subject: billingSubject },
      outsiderToken,
    );
    assert.equal(foreign.status, 404);
    assert.equal((await ssf('DELETE', `/ssf/streams?stream_id=${id}`)).status, 204);
  });

  test('a receiver reads, updates, pauses and deletes its own streams, and sees no one else’s', async () => {
    const { body } = await ssf('POST', '/ssf/streams', {});
    const id = body.stream_id as string;
    assert.equal((await ssf('GET', `/ssf/streams?stream_id=${id}`)).body.stream_id, id);
    const patched = await ssf('PATCH', '/ssf/streams', { stream_id: id, description: 'renamed' });
    assert.equal(patched.body.description, 'renamed');
    const paused = await ssf('POST', '/ssf/status', {
      stream_id: id,
      status: 'paused',
      reason: 'maintenance',
    });
    assert.deepEqual(paused.body, { stream_id: id, status: 'paused', reason: 'maintenance' });
    assert.deepEqual((await ssf('GET', `/ssf/status?stream_id=${id}`)).body, paused.body);

    const outsiderToken = await tokenFor(outsider, MANAGEMENT_API, 'ssf');
    assert.equal((await ssf('GET', `/ssf/streams?stream_id=${id}`, undefined, outsiderToken)).status, 404);
    assert.equal((await ssf('DELETE', `/ssf/streams?stream_id=${id}`, undefined, outsiderToken)).status, 404);

    const bad = await ssf('POST', '/ssf/streams', { delivery: { method: PUSH } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail as string, /endpoint_url/);
    // A receiver inside the network (cloud metadata, private ranges) is refused: no SSRF.
    for (const endpoint of [
      'https://169.254.169.254/latest',
      'https://10.0.0.7/ssf',
      'ftp://receiver.example/',
    ]) {
      const inside = await ssf('POST', '/ssf/streams', {
        delivery: { method: PUSH, endpoint_url: endpoint },
      });
      assert.equal(inside.status, 400, endpoint);
      assert.match(inside.body.detail as string, /delivery\.endpoint_url/, endpoint);
    }

    assert.equal((await ssf('DELETE', `/ssf/streams?stream_id=${id}`)).status, 204);
    assert.equal((await ssf('GET', `/ssf/streams?stream_id=${id}`)).status, 404);
  });
});
