import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { productionEnv, productionSkipReason, type ProductionEnv } from '../helpers/production-env.ts';
import {
  cliJson,
  runCli,
  startTessera,
  suiteScope,
  type TesseraInstance,
} from '../helpers/tessera-process.ts';
import {
  JWT_API,
  OPAQUE_API,
  postForm,
  registerFixtures,
  type RegisteredClient,
} from '../helpers/tessera-setup.ts';

/**
 * POST /leaked-tokens against the real server on PostgreSQL + Redis: a public report of each kind
 * of Tessera token revokes it and audits where it was found, the answer is the same for a token
 * that never existed, GitHub secret scanning alerts are honoured only with a valid signature, and
 * one address cannot flood the endpoint.
 */
type Json = Record<string, unknown>;

const github = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEY_ID = 'test-key-1';
const publicPem = github.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const signed = (body: string, key = github.privateKey) =>
  sign('sha256', Buffer.from(body), key).toString('base64');

describe('reporting a leaked token', { skip: await productionSkipReason() }, () => {
  const scope = suiteScope(after);
  let production: ProductionEnv;
  let tessera: TesseraInstance;
  let billing: RegisteredClient;
  let resourceServer: RegisteredClient;
  let pat: string;

  const report = (values: Record<string, string>) =>
    postForm(`${tessera.url}/leaked-tokens`, undefined, values);

  const alert = (body: string, headers: Record<string, string>) =>
    fetch(`${tessera.url}/leaked-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  const clientToken = async (resource: string) => {
    const response = await postForm(`${tessera.url}/token`, billing, {
      grant_type: 'client_credentials',
      resource,
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  const introspect = async (token: string) =>
    (await (await postForm(`${tessera.url}/token/introspection`, resourceServer, { token })).json()) as Json;

  const newPat = async (name: string) => {
    const created = await cliJson<{ token: string }>(production.env, [
      'tokens',
      'create',
      '--user',
      'dana',
      '--name',
      name,
      '--scopes',
      'tokens:read',
      '--expires-in-days',
      '30',
    ]);
    return created.token;
  };

  const patWorks = async (token: string) =>
    (await fetch(`${tessera.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status === 200;

  before(async () => {
    const env = await productionEnv(scope, {
      TESSERA_SECRET_SCANNING_KEYS: JSON.stringify({ [KEY_ID]: publicPem }),
      TESSERA_LEAK_REPORTS_PER_MINUTE: '11',
    });
    assert.ok(env, 'PostgreSQL and Redis are needed');
    production = env;
    ({ billing, resourceServer } = await registerFixtures(production.env));
    const user = await runCli(
      production.env,
      ['users', 'create', '--username', 'dana', '--password-stdin', '--json'],
      'correct horse battery staple\n',
    );
    assert.equal(user.code, 0, user.stderr);
    pat = await newPat('ci');
    tessera = await startTessera(scope, production.env);
  });

  test('a reported personal access token stops working, and the audit log says where it was found', async () => {
    assert.ok(await patWorks(pat));
    const response = await report({ token: pat, url: 'https://paste.example.test/abc' });
    assert.equal(response.status, 202);
    assert.deepEqual(await response.json(), {
      status: 'received',
      detail: 'Thank you. If this is a Tessera token, it is revoked now and its owner is told.',
    });
    assert.equal(await patWorks(pat), false);
    const [event] = await production.sql(
      `select actor_type, actor_id, details from audit_events where action = 'access_token.revoke'`,
    );
    const events = await production.sql(
      `select type, data->>'reason' as reason, data->>'url' as url, data->'recipients'->0->>'username' as recipient
         from events where type in ('token.revoked', 'token.leaked') order by id`,
    );
    assert.deepEqual(events, [
      { type: 'token.revoked', reason: 'leaked', url: null, recipient: null },
      { type: 'token.leaked', reason: null, url: 'https://paste.example.test/abc', recipient: 'dana' },
    ]);
    assert.equal(event?.actor_type, 'reporter');
    assert.equal(event?.actor_id, 'public');
    assert.deepEqual(
      { ...(event?.details as Json), name: undefined, subject: undefined },
      {
        kind: 'personal',
        reason: 'leaked',
        url: 'https://paste.example.test/abc',
        source: 'public',
        name: undefined,
        subject: undefined,
      },
    );
  });

  test('reported JWT and opaque access tokens introspect as inactive', async () => {
    const jwt = await clientToken(JWT_API);
    const opaque = await clientToken(OPAQUE_API);
    assert.equal((await introspect(jwt)).active, true);
    assert.equal((await introspect(opaque)).active, true);
    assert.equal((await report({ token: jwt, url: 'https://gist.example.test/1' })).status, 202);
    assert.equal((await report({ token: opaque })).status, 202);
    assert.deepEqual(await introspect(jwt), { active: false });
    assert.deepEqual(await introspect(opaque), { active: false });
    const rows = await production.sql(
      `select target_type, details->>'url' as url from audit_events where action = 'oauth_token.revoke' order by id`,
    );
    const events = await production.sql(
      `select data->'token'->>'kind' as kind, data->>'reason' as reason from events
        where type = 'token.revoked' and data->'token'->>'kind' in ('jwt', 'opaque') order by id`,
    );
    assert.deepEqual(events, [
      { kind: 'jwt', reason: 'leaked' },
      { kind: 'opaque', reason: 'leaked' },
    ]);
    assert.deepEqual(rows, [
      { target_type: 'jwt', url: 'https://gist.example.test/1' },
      { target_type: 'oauth_token', url: null },
    ]);
  });

  test('a token that never existed gets the same answer, and nothing is recorded', async () => {
    const before = await production.sql('select count(*)::int as n from audit_events');
    // A well-formed PAT (right prefix and checksum) that Tessera never issued, and plain garbage.
    const unknownPat = await newPat('throwaway');
    await production.sql(`delete from access_tokens where name = 'throwaway'`);
    const after = await production.sql('select count(*)::int as n from audit_events');
    for (const token of [unknownPat, 'not-a-token-at-all']) {
      const response = await report({ token, url: 'https://paste.example.test/x' });
      assert.equal(response.status, 202);
      assert.deepEqual(await response.json(), {
        status: 'received',
        detail: 'Thank you. If this is a Tessera token, it is revoked now and its owner is told.',
      });
    }
    assert.deepEqual(await production.sql('select count(*)::int as n from audit_events'), after);
    assert.ok((after[0]?.n as number) > (before[0]?.n as number)); // the CLI's own create was audited
  });

  test('a report without a token, or with a URL that is not one, is a precise 400', async () => {
    const missing = await report({ url: 'https://paste.example.test/x' });
    assert.equal(missing.status, 400);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json');
    assert.match(((await missing.json()) as Json).detail as string, /token is required/);
    const badUrl = await report({ token: 'x', url: 'javascript:alert(1)' });
    assert.equal(badUrl.status, 400);
    assert.match(((await badUrl.json()) as Json).detail as string, /url must be the http\(s\) URL/);
  });

  test('a signed GitHub secret scanning alert revokes its tokens and is answered with labels', async () => {
    const leaked = await newPat('leaked-on-github');
    assert.ok(await patWorks(leaked));
    const body = JSON.stringify([
      {
        token: leaked,
        type: 'tessera_personal_access_token',
        url: 'https://github.com/o/r/blob/x/.env',
        source: 'content',
      },
      {
        token: 'tsr_pat_notreal',
        type: 'tessera_personal_access_token',
        url: 'https://github.com/o/r',
        source: 'commit',
      },
    ]);
    const response = await alert(body, {
      'Github-Public-Key-Identifier': KEY_ID,
      'Github-Public-Key-Signature': signed(body),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), [
      { token_raw: leaked, token_type: 'tessera_personal_access_token', label: 'true_positive' },
      { token_raw: 'tsr_pat_notreal', token_type: 'tessera_personal_access_token', label: 'false_positive' },
    ]);
    assert.equal(await patWorks(leaked), false);
    const [event] = await production.sql(
      `select actor_id, details->>'url' as url, details->>'source' as source from audit_events
        where action = 'access_token.revoke' and actor_id like 'github:%'`,
    );
    assert.deepEqual(event, {
      actor_id: `github:${KEY_ID}`,
      url: 'https://github.com/o/r/blob/x/.env',
      source: 'github:content',
    });
  });

  test('an alert with a bad signature or an unknown key id is refused, and nothing is revoked', async () => {
    const target = await newPat('kept');
    const body = JSON.stringify([
      { token: target, type: 't', url: 'https://github.com/o/r', source: 'content' },
    ]);
    const forged = await alert(body, {
      'Github-Public-Key-Identifier': KEY_ID,
      'Github-Public-Key-Signature': signed(body, stranger.privateKey),
    });
    assert.equal(forged.status, 401);
    assert.match(((await forged.json()) as Json).detail as string, /does not match the body/);
    const tampered = await alert(body.replace('content', 'commit'), {
      'Github-Public-Key-Identifier': KEY_ID,
      'Github-Public-Key-Signature': signed(body),
    });
    assert.equal(tampered.status, 401);
    const unknownKey = await alert(body, {
      'Github-Public-Key-Identifier': 'no-such-key',
      'Github-Public-Key-Signature': signed(body),
    });
    assert.equal(unknownKey.status, 401);
    assert.match(
      ((await unknownKey.json()) as Json).detail as string,
      /unknown Github-Public-Key-Identifier "no-such-key"/,
    );
    const unsigned = await alert(body, { 'Github-Public-Key-Identifier': KEY_ID });
    assert.equal(unsigned.status, 401);
    assert.match(
      ((await unsigned.json()) as Json).detail as string,
      /Github-Public-Key-Signature header is missing/,
    );
    assert.ok(await patWorks(target));
  });

  test('one address sending too many reports is told to slow down', async () => {
    // Earlier tests used 7 public reports and 4 refused alerts: this minute's allowance of 11.
    const response = await report({ token: 'again' });
    assert.equal(response.status, 429);
    assert.ok(Number(response.headers.get('retry-after')) >= 1);
    assert.match(((await response.json()) as Json).detail as string, /at most 11 a minute/);
  });
});
