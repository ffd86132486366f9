import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import {
  createClientAuthenticator,
  readClientCredentials,
} from '../../../src/oidc/fast-lane/client-secret-auth.ts';
import type { Client } from '../../../src/domain/clients/client.ts';

const secretHash = createPepperHash('a-pepper-of-at-least-thirty-two-characters', 'client-secret');

const rowWith = (secret: string): Client =>
  ({
    clientId: 'cl_billing',
    secretHash: secretHash.digest(secret),
    grantTypes: ['client_credentials'],
  }) as Client;

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** A clients cache whose record can be swapped, as the real cache does on a change. */
const clientsHolding = (initial: Client | undefined) => {
  let row = initial;
  let lookups = 0;
  return {
    lookup: {
      get: async () => {
        lookups += 1;
        return row;
      },
      invalidate: () => {},
    },
    replace: (next: Client | undefined) => {
      row = next;
    },
    lookups: () => lookups,
  };
};

describe('client secret authentication in the fast lane', () => {
  test('reads Basic and post credentials by the library rules, and nothing it would question', () => {
    assert.deepEqual(readClientCredentials(basic('cl_a', 's3cret'), {}), {
      clientId: 'cl_a',
      secret: 's3cret',
    });
    // RFC 6749 §2.3.1: both parts are form-urlencoded before Base64.
    assert.deepEqual(readClientCredentials(basic('cl%3Aa', 'a+b%21'), {}), {
      clientId: 'cl:a',
      secret: 'a b!',
    });
    assert.deepEqual(readClientCredentials(undefined, { client_id: 'cl_a', client_secret: 'x' }), {
      clientId: 'cl_a',
      secret: 'x',
    });
    for (const header of [
      'Basic',
      'Basic !!!',
      'Bearer abc',
      basic('cl_a', ''),
      basic('', 'x'),
      basic('cl_a', '%ZZ'),
    ]) {
      assert.equal(readClientCredentials(header, {}), undefined, header);
    }
    assert.equal(readClientCredentials(`Basic ${Buffer.from('no-colon').toString('base64')}`, {}), undefined);
    assert.equal(readClientCredentials(basic('cl_a', 'x'), { client_id: 'cl_a' }), undefined);
    assert.equal(readClientCredentials(undefined, { client_id: 'cl_a' }), undefined);
    assert.equal(readClientCredentials(basic('cl_a', 'caf\u00e9'), {}), undefined);
  });

  test('accepts the right secret and refuses a wrong one, every time', async () => {
    const clients = clientsHolding(rowWith('right'));
    const authenticate = createClientAuthenticator({ clients: clients.lookup, secretHash });
    const row = await authenticate(basic('cl_billing', 'right'), {});
    assert.equal(row?.clientId, 'cl_billing');
    assert.equal(await authenticate(basic('cl_billing', 'right'), {}), row);
    assert.equal(await authenticate(basic('cl_billing', 'wrong'), {}), undefined);
    assert.equal(await authenticate(basic('cl_billing', 'wrong'), {}), undefined);
    assert.equal(await authenticate(undefined, { client_id: 'cl_billing', client_secret: 'right' }), row);
    assert.equal(
      await authenticate(undefined, { client_id: 'cl_billing', client_secret: 'wrong' }),
      undefined,
    );
  });

  test('a secret rotated out with an overlap passes until its end date, even when remembered', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') });
    const clients = clientsHolding({
      ...rowWith('new'),
      previousSecretHash: secretHash.digest('old'),
      previousSecretExpiresAt: new Date(Date.parse('2026-01-01T01:00:00Z')),
    });
    const authenticate = createClientAuthenticator({ clients: clients.lookup, secretHash });
    assert.ok(await authenticate(basic('cl_billing', 'old'), {}), 'the old secret during the overlap');
    assert.ok(await authenticate(basic('cl_billing', 'new'), {}));
    t.mock.timers.tick(3_600_000);
    assert.equal(await authenticate(basic('cl_billing', 'old'), {}), undefined, 'not once the overlap ended');
    assert.ok(await authenticate(basic('cl_billing', 'new'), {}), 'the new secret stays');
  });

  test('tells whether presented credentials were remembered (the metrics of this cache)', async () => {
    const told: string[] = [];
    const authenticate = createClientAuthenticator({
      clients: clientsHolding(rowWith('right')).lookup,
      secretHash,
      credentialStats: { hit: () => told.push('hit'), miss: () => told.push('miss') },
    });
    await authenticate(basic('cl_billing', 'right'), {});
    await authenticate(basic('cl_billing', 'right'), {});
    await authenticate(basic('cl_billing', 'wrong'), {});
    assert.deepEqual(told, ['miss', 'hit', 'miss']);
  });

  test('a rotated secret or a deleted client is checked again at once', async () => {
    const clients = clientsHolding(rowWith('old'));
    const authenticate = createClientAuthenticator({ clients: clients.lookup, secretHash });
    assert.ok(await authenticate(basic('cl_billing', 'old'), {}));
    clients.replace(rowWith('new'));
    assert.equal(await authenticate(basic('cl_billing', 'old'), {}), undefined);
    assert.ok(await authenticate(basic('cl_billing', 'new'), {}));
    clients.replace(undefined);
    assert.equal(await authenticate(basic('cl_billing', 'new'), {}), undefined);
  });

  /** The pepper hash, counting the secrets it checks. */
  const countingHash = () => {
    const counted = {
      checks: 0,
      digest: secretHash.digest,
      matches: (value: string, stored: string) => {
        counted.checks += 1;
        return secretHash.matches(value, stored);
      },
    };
    return counted;
  };

  test('remembers passed credentials by digest only', async () => {
    const clients = clientsHolding(rowWith('right'));
    const counting = countingHash();
    const authenticate = createClientAuthenticator({ clients: clients.lookup, secretHash: counting });
    for (let i = 0; i < 5; i += 1) assert.ok(await authenticate(basic('cl_billing', 'right'), {}));
    assert.equal(counting.checks, 1);
  });

  test('past its size, forgets the oldest credentials only', async () => {
    const rows = new Map(
      ['cl_a', 'cl_b', 'cl_c'].map((clientId) => [clientId, { ...rowWith(`secret-${clientId}`), clientId }]),
    );
    const counting = countingHash();
    const authenticate = createClientAuthenticator({
      clients: { get: async (clientId) => rows.get(clientId), invalidate: () => {} },
      secretHash: counting,
      rememberAtMost: 2,
    });
    const present = async (clientId: string) =>
      assert.equal((await authenticate(basic(clientId, `secret-${clientId}`), {}))?.clientId, clientId);
    for (const clientId of ['cl_a', 'cl_b', 'cl_c']) await present(clientId);
    assert.equal(counting.checks, 3);
    await present('cl_c');
    await present('cl_b');
    assert.equal(counting.checks, 3, 'the two newest are still remembered');
    await present('cl_a');
    assert.equal(counting.checks, 4, 'the oldest was forgotten and checked again');
  });

  test('never authenticates a client with keys (private_key_jwt) by a secret, even a matching one', async () => {
    const withKeys = { ...rowWith('right'), tokenEndpointAuthMethod: 'private_key_jwt' } as Client;
    const authenticate = createClientAuthenticator({ clients: clientsHolding(withKeys).lookup, secretHash });
    assert.equal(await authenticate(basic('cl_billing', 'right'), {}), undefined);
    assert.equal(
      await authenticate(undefined, { client_id: 'cl_billing', client_secret: 'right' }),
      undefined,
    );
  });
});
