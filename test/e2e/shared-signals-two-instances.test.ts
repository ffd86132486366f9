import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { MANAGEMENT_API } from '../../src/domain/api-resources/management-api.ts';
import { productionEnv } from '../helpers/production-env.ts';
import { cliJson, startTessera } from '../helpers/tessera-process.ts';
import { JWT_API, postForm, registerFixtures, type RegisteredClient } from '../helpers/tessera-setup.ts';

/**
 * Two Tessera instances over one PostgreSQL run the Shared Signals transmitter side by side: each
 * SET of a push stream reaches the receiver once, whichever instance sends it.
 */
test('with two instances, a push receiver gets each SET once', async (t) => {
  const production = await productionEnv(t);
  if (!production) return;
  const { billing } = await registerFixtures(production.env);
  const receiver = await cliJson<RegisteredClient>(production.env, [
    'clients',
    'create',
    '--name',
    'gateway',
    '--grant-types',
    'client_credentials',
    '--resources',
    MANAGEMENT_API,
    '--scopes',
    'ssf',
  ]);
  // The push receiver listens on loopback, which only an operator's setting allows.
  const env = { ...production.env, TESSERA_WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' };
  const one = await startTessera(t, env);
  // One issuer, as behind a load balancer; each instance is still reached on its own port.
  const second = await startTessera(t, { ...env, TESSERA_ISSUER: one.url });
  const two = { url: `http://127.0.0.1:${second.env.PORT}` };

  const deliveries: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      deliveries.push(decodeJwt(body).jti as string);
      res.statusCode = 202;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const token = async (instance: string, client: RegisteredClient, values: Record<string, string>) => {
    const response = await postForm(`${instance}/token`, client, {
      grant_type: 'client_credentials',
      ...values,
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const bearer = await token(one.url, receiver, { resource: MANAGEMENT_API, scope: 'ssf' });
  const created = await fetch(`${two.url}/ssf/streams`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      delivery: {
        method: 'urn:ietf:rfc:8935',
        endpoint_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      },
      events_requested: ['urn:tessera:secevent:token-revoked'],
    }),
  });
  assert.equal(created.status, 201);
  const { stream_id: streamId } = (await created.json()) as { stream_id: string };

  const revocations = 8;
  for (let i = 0; i < revocations; i += 1) {
    const instance = i % 2 === 0 ? one.url : two.url;
    const jwt = await token(instance, billing, { resource: JWT_API });
    assert.equal((await postForm(`${instance}/token/revocation`, billing, { token: jwt })).status, 200);
  }
  const deadline = Date.now() + 20_000;
  let acked = 0;
  while (Date.now() < deadline) {
    const [row] = await production.sql(
      'select count(*)::int as n from ssf_queue where stream_id = $1 and acked_at is not null',
      [streamId],
    );
    acked = row?.n as number;
    if (acked === revocations) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(acked, revocations, 'every SET was acknowledged');
  // Acknowledged SETs are never claimed again, so this count is final.
  assert.equal(deliveries.length, revocations, `deliveries: ${deliveries.join(', ')}`);
  assert.equal(new Set(deliveries).size, revocations);
});
