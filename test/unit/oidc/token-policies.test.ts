import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CachedLookup } from '../../../src/cache/cached-lookup.ts';
import { createTokenPolicies } from '../../../src/oidc/configuration/token-policies.ts';
import type { Client } from '../../../src/domain/clients/client.ts';

const ORDERS = 'https://api.test/orders';
const BILLING = 'https://api.test/billing';
const T = new Date('2025-06-01T12:00:00Z');

const client = (clientId: string, introspects: string[] = []): Client => ({
  clientId,
  name: clientId,
  secretHash: 'hash',
  grantTypes: ['client_credentials'],
  resources: [ORDERS],
  scopes: [],
  introspects,
  redirectUris: [],
  postLogoutRedirectUris: [],
  registeredVia: null,
  tokenEndpointAuthMethod: 'client_secret_basic',
  firstParty: false,
  createdAt: T,
  updatedAt: T,
  secretRotatedAt: null,
  applicationType: 'service',
  previousSecretHash: null,
  previousSecretExpiresAt: null,
  refreshTokenAbsoluteTtl: null,
  refreshTokenIdleTtl: null,
  dpopBoundAccessTokens: false,
  jwks: null,
  jwksUri: null,
});

/** Policies over a fixed set of clients: a worker, the orders API's resource server, and a bystander. */
const setup = () => {
  const clients = new Map([
    ['worker', client('worker')],
    ['orders-rs', client('orders-rs', [ORDERS])],
    ['bystander', client('bystander', [BILLING])],
  ]);
  const lookup: CachedLookup<Client> = {
    get: async (key) => clients.get(key),
    invalidate: () => {},
  };
  return { policies: createTokenPolicies(lookup), clients };
};

describe('who may introspect a token', () => {
  test('the client the token was issued to', async () => {
    const { policies } = setup();
    assert.equal(await policies.mayIntrospect('worker', { clientId: 'worker', aud: BILLING }), true);
  });

  test('a resource server registered to introspect the string audience', async () => {
    const { policies } = setup();
    assert.equal(await policies.mayIntrospect('orders-rs', { clientId: 'worker', aud: ORDERS }), true);
  });

  test('a resource server registered to introspect one of several audiences', async () => {
    const { policies } = setup();
    assert.equal(
      await policies.mayIntrospect('orders-rs', { clientId: 'worker', aud: [BILLING, ORDERS] }),
      true,
    );
  });

  test('not a resource server registered for other audiences', async () => {
    const { policies } = setup();
    assert.equal(await policies.mayIntrospect('orders-rs', { clientId: 'worker', aud: BILLING }), false);
    assert.equal(
      await policies.mayIntrospect('orders-rs', { clientId: 'worker', aud: [BILLING, 'https://api.test/x'] }),
      false,
    );
  });

  test('not an unrelated client', async () => {
    const { policies } = setup();
    assert.equal(await policies.mayIntrospect('bystander', { clientId: 'worker', aud: ORDERS }), false);
  });

  test('nobody when the audience is missing or not a string', async () => {
    const { policies } = setup();
    assert.equal(await policies.mayIntrospect('orders-rs', { clientId: 'worker' }), false);
    assert.equal(await policies.mayIntrospect('orders-rs', { clientId: 'worker', aud: 42 }), false);
    assert.equal(await policies.mayIntrospect('orders-rs', { clientId: 'worker', aud: [42, null] }), false);
  });

  test('nobody once the client the token was issued to has been deleted', async () => {
    const { policies, clients } = setup();
    clients.delete('worker');
    assert.equal(await policies.mayIntrospect('worker', { clientId: 'worker', aud: ORDERS }), false);
    assert.equal(await policies.mayIntrospect('orders-rs', { clientId: 'worker', aud: ORDERS }), false);
  });

  test('no caller that is not a registered client', async () => {
    const { policies } = setup();
    assert.equal(await policies.mayIntrospect('ghost', { clientId: 'worker', aud: ORDERS }), false);
  });

  test('nobody for a token without a client', async () => {
    const { policies } = setup();
    assert.equal(await policies.mayIntrospect('orders-rs', { aud: ORDERS }), false);
    assert.equal(await policies.mayIntrospect('orders-rs', { clientId: '', aud: ORDERS }), false);
  });
});

describe('who may revoke a token', () => {
  test('only the client it was issued to', () => {
    const { policies } = setup();
    assert.equal(policies.mayRevoke('worker', { clientId: 'worker' }), true);
    assert.equal(policies.mayRevoke('orders-rs', { clientId: 'worker' }), false);
    assert.equal(policies.mayRevoke('worker', {}), false);
  });
});
