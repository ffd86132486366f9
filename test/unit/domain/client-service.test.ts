import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, test } from 'node:test';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import {
  CLIENT_SECRET_HASH_PURPOSE,
  CLIENT_SECRET_PREFIX,
} from '../../../src/domain/clients/client-secret.ts';
import { CLIENTS_TOPIC, createClientService } from '../../../src/domain/clients/client-service.ts';
import { type CreateClientInput, TOKEN_EXCHANGE } from '../../../src/domain/clients/client.ts';
import { AppError } from '../../../src/errors.ts';
import { operatorActor } from '../../../src/domain/operator.ts';
import type { ChangeBus } from '../../../src/storage/change-bus.ts';
import type { Repositories } from '../../../src/storage/repositories.ts';
import { createRevocationList, REVOCATIONS_TOPIC } from '../../../src/storage/revocations/revocation-list.ts';
import type { RevocationRow } from '../../../src/storage/tables/revocations.ts';
import type { ApiResourceRow } from '../../../src/storage/tables/api-resources.ts';
import type { ClientRow, NewClient } from '../../../src/storage/tables/clients.ts';

const PEPPER = 'kT9vQz2Lr8Xw4Np6Hs1Jd3Fb5Gm7Yc0Ua2Ve4Wi6Oq8';
const ORDERS = 'https://api.test/orders';
const BILLING = 'https://api.test/billing';
const T = new Date('2025-06-01T12:00:00Z');
const OPERATOR = operatorActor('test');

const api = (identifier: string, scopes: string[]): ApiResourceRow => ({
  id: `id-${identifier}`,
  identifier,
  name: identifier,
  format: 'jwt',
  accessTokenTtl: 3600,
  scopes,
  signingAlg: 'ES256',
  createdAt: T,
  updatedAt: T,
});

/** In-memory repositories with the two APIs, a bus that records what is published, and the service. */
const setup = () => {
  const apis = new Map([
    [ORDERS, api(ORDERS, ['orders:read', 'orders:write'])],
    [BILLING, api(BILLING, ['invoices:read'])],
  ]);
  const clients = new Map<string, ClientRow>();
  const published: [string, string][] = [];
  const audits: unknown[] = [];
  const revoked: RevocationRow[] = [];
  const repositories = {
    transaction: async <T>(work: (tx: Repositories) => Promise<T>) => work(repositories),
    revocations: {
      upsert: async (rows: readonly RevocationRow[]) => {
        revoked.push(...rows);
      },
    },
    apiResources: {
      insert: async () => assert.fail('the client service never creates API resources'),
      findByIdentifier: async (identifier: string) => apis.get(identifier),
      list: async () => [...apis.values()],
      deleteByIdentifier: async () => assert.fail('the client service never deletes API resources'),
    },
    clients: {
      insert: async (input: NewClient) => {
        const row: ClientRow = {
          introspects: [],
          redirectUris: [],
          postLogoutRedirectUris: [],
          tokenEndpointAuthMethod: 'client_secret_basic',
          previousSecretHash: null,
          previousSecretExpiresAt: null,
          firstParty: false,
          ...input,
          dpopBoundAccessTokens: input.dpopBoundAccessTokens ?? false,
          registeredVia: input.registeredVia ?? null,
          applicationType: input.applicationType ?? 'service',
          refreshTokenAbsoluteTtl: input.refreshTokenAbsoluteTtl ?? null,
          refreshTokenIdleTtl: input.refreshTokenIdleTtl ?? null,
          jwks: input.jwks ?? null,
          jwksUri: input.jwksUri ?? null,
          createdAt: T,
          updatedAt: T,
          secretRotatedAt: null,
        };
        clients.set(row.clientId, row);
        return { ...row };
      },
      findById: async (clientId: string) => {
        const row = clients.get(clientId);
        return row && { ...row };
      },
      list: async () => [...clients.values()].map((row) => ({ ...row })),
      deleteById: async (clientId: string) => clients.delete(clientId),
      updateSecretHash: async (clientId: string, secretHash: string) => {
        const row = clients.get(clientId);
        if (!row) return undefined;
        const updated = { ...row, secretHash, secretRotatedAt: new Date(T.getTime() + 1000) };
        clients.set(clientId, updated);
        return { ...updated };
      },
      listIdsUsingResource: async (identifier: string) =>
        [...clients.values()].filter((row) => row.resources.includes(identifier)).map((row) => row.clientId),
    },
    auditEvents: {
      insert: async (input: unknown) => {
        audits.push(input);
        return input;
      },
    },
  } as unknown as Repositories;
  const changes: ChangeBus = {
    publish: async (topic, id) => {
      published.push([topic, id]);
    },
    subscribe: () => {},
    close: async () => {},
  };
  const secretHash = createPepperHash(PEPPER, CLIENT_SECRET_HASH_PURPOSE);
  const revocations = createRevocationList({ repositories, changes });
  const service = createClientService({ repositories, changes, secretHash, revocations });
  return { service, clients, published, secretHash, audits, revoked, revocations };
};

const input = (overrides: Partial<CreateClientInput> = {}): CreateClientInput => ({
  name: 'Billing worker',
  grantTypes: ['client_credentials'],
  resources: [ORDERS],
  scopes: ['orders:read'],
  ...overrides,
});

/** Asserts an `invalid_input` error about `field`. */
const invalid = (field: string, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof AppError, String(error));
  assert.equal(error.code, 'invalid_input');
  assert.equal(error.status, 400);
  assert.equal(error.field, field);
  if (message) assert.match(error.message, message);
  return true;
};

const notFound = (error: unknown) => {
  assert.ok(error instanceof AppError, String(error));
  assert.equal(error.code, 'not_found');
  assert.equal(error.status, 404);
  return true;
};

describe('the client service', () => {
  test('creates a client and returns its secret once, storing only its peppered hash', async () => {
    const { service, clients, secretHash } = setup();
    const created = await service.create(OPERATOR, input({ introspects: [BILLING] }));

    assert.match(created.clientId, /^cl_[A-Za-z0-9_-]{22}$/);
    assert.ok(String(created.clientSecret).startsWith(CLIENT_SECRET_PREFIX));
    assert.ok(
      String(created.clientSecret).length >= CLIENT_SECRET_PREFIX.length + 43,
      'the secret carries 256 bits',
    );

    const stored = clients.get(created.clientId);
    assert.ok(stored?.secretHash);
    assert.notEqual(stored.secretHash, String(created.clientSecret));
    assert.ok(!stored.secretHash.includes(String(created.clientSecret)));
    assert.equal(secretHash.matches(String(created.clientSecret), stored.secretHash), true);
    assert.equal(
      createPepperHash(PEPPER, CLIENT_SECRET_HASH_PURPOSE).matches(
        String(created.clientSecret),
        stored.secretHash,
      ),
      true,
    );
    assert.equal(
      createPepperHash(PEPPER, 'other').matches(String(created.clientSecret), stored.secretHash),
      false,
    );

    assert.deepEqual(created.client, {
      clientId: created.clientId,
      name: 'Billing worker',
      grantTypes: ['client_credentials'],
      resources: [ORDERS],
      scopes: ['orders:read'],
      introspects: [BILLING],
      createdAt: T,
      updatedAt: T,
      secretRotatedAt: null,
      applicationType: 'service',
      redirectUris: [],
      postLogoutRedirectUris: [],
      tokenEndpointAuthMethod: 'client_secret_basic',
      previousSecretExpiresAt: null,
      refreshTokenAbsoluteTtl: null,
      refreshTokenIdleTtl: null,
      dpopBoundAccessTokens: false,
      registeredVia: null,
      jwks: null,
      jwksUri: null,
    });
  });

  test('registers a client with keys (private_key_jwt) without a secret, and refuses to rotate one', async () => {
    const { service, clients, audits } = setup();
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] };
    const created = await service.create(OPERATOR, {
      ...input(),
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks,
    });
    assert.equal(created.clientSecret, null);
    assert.equal(created.client.tokenEndpointAuthMethod, 'private_key_jwt');
    assert.deepEqual(created.client.jwks, jwks);
    const stored = clients.get(created.clientId);
    assert.equal(stored?.secretHash, null, 'no secret, not even a hash');
    assert.equal(stored?.tokenEndpointAuthMethod, 'private_key_jwt');
    assert.equal(
      (audits.at(-1) as { details: Record<string, unknown> }).details.token_endpoint_auth_method,
      'private_key_jwt',
    );
    await assert.rejects(service.rotateSecret(OPERATOR, created.clientId), (error) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'conflict');
      assert.match(error.message, /authenticates with private_key_jwt: it has no secret to rotate/);
      return true;
    });
  });

  test('gives every client its own id and secret', async () => {
    const { service } = setup();
    const one = await service.create(OPERATOR, input());
    const other = await service.create(OPERATOR, input());
    assert.notEqual(one.clientId, other.clientId);
    assert.notEqual(String(one.clientSecret), String(other.clientSecret));
  });

  test('announces a new client on the bus', async () => {
    const { service, published } = setup();
    const created = await service.create(OPERATOR, input());
    assert.deepEqual(published, [[CLIENTS_TOPIC, created.clientId]]);
  });

  test('records who created, rotated and deleted a client in the audit log, without the secret', async () => {
    const { service, audits } = setup();
    const created = await service.create(OPERATOR, input());
    const rotated = await service.rotateSecret(OPERATOR, created.clientId);
    await service.remove(OPERATOR, created.clientId);
    const actions = (audits as { action: string; actorId: string; targetId: string }[]).map((entry) => [
      entry.action,
      entry.actorId,
      entry.targetId,
    ]);
    assert.deepEqual(actions, [
      ['client.create', 'cli:test', created.clientId],
      ['client.rotate_secret', 'cli:test', created.clientId],
      ['client.delete', 'cli:test', created.clientId],
    ]);
    const logged = JSON.stringify(audits);
    assert.ok(!logged.includes(String(created.clientSecret)) && !logged.includes(rotated.clientSecret));
  });

  test('removes duplicate resources and scopes', async () => {
    const { service } = setup();
    const { client } = await service.create(
      OPERATOR,
      input({
        resources: [ORDERS, BILLING, ORDERS],
        scopes: ['orders:read', 'invoices:read', 'orders:read'],
      }),
    );
    assert.deepEqual(client.resources, [ORDERS, BILLING]);
    assert.deepEqual(client.scopes, ['orders:read', 'invoices:read']);
  });

  test('refuses unknown resources, naming the resources field', async () => {
    const { service, clients, published } = setup();
    await assert.rejects(
      service.create(OPERATOR, input({ resources: [ORDERS, 'https://api.test/nope'] })),
      invalid('resources', /unknown API resource\(s\): https:\/\/api\.test\/nope/),
    );
    assert.equal(clients.size, 0);
    assert.deepEqual(published, []);
  });

  test('refuses unknown introspected APIs, naming the introspects field', async () => {
    const { service, clients } = setup();
    await assert.rejects(
      service.create(OPERATOR, input({ introspects: ['https://api.test/nope'] })),
      invalid('introspects', /https:\/\/api\.test\/nope/),
    );
    assert.equal(clients.size, 0);
  });

  test('refuses scopes that none of its resources define, naming the scopes field', async () => {
    const { service, clients } = setup();
    await assert.rejects(
      service.create(OPERATOR, input({ scopes: ['orders:read', 'orders:delete'] })),
      invalid('scopes', /orders:delete not defined/),
    );
    // A scope of an API it may only introspect is not one it may request.
    await assert.rejects(
      service.create(OPERATOR, input({ introspects: [BILLING], scopes: ['invoices:read'] })),
      invalid('scopes', /invoices:read/),
    );
    assert.equal(clients.size, 0);
  });

  test('refuses a client_credentials client without resources', async () => {
    const { service } = setup();
    await assert.rejects(
      service.create(OPERATOR, input({ resources: [], scopes: [] })),
      invalid('resources'),
    );
  });

  test('registers a token exchange client, which needs resources but no scopes of its own', async () => {
    const { service } = setup();
    const created = await service.create(
      OPERATOR,
      input({ grantTypes: [TOKEN_EXCHANGE], resources: [ORDERS], scopes: [] }),
    );
    assert.deepEqual(created.client.grantTypes, [TOKEN_EXCHANGE]);
    await assert.rejects(
      service.create(OPERATOR, input({ grantTypes: [TOKEN_EXCHANGE], resources: [], scopes: [] })),
      invalid('resources', /token exchange/),
    );
  });

  test('refuses malformed input before looking anything up', async () => {
    const { service } = setup();
    await assert.rejects(service.create(OPERATOR, input({ name: '' })), invalid('name'));
    await assert.rejects(
      service.create(OPERATOR, input({ grantTypes: ['password' as 'client_credentials'] })),
      invalid('grantTypes.0', /client_credentials/),
    );
    await assert.rejects(
      service.create(OPERATOR, input({ resources: ['not a uri'] })),
      invalid('resources.0'),
    );
  });

  test('lists and shows clients without their secret hash', async () => {
    const { service } = setup();
    const created = await service.create(OPERATOR, input());
    const listed = await service.list();
    assert.deepEqual(listed, [created.client]);
    assert.deepEqual(await service.get(created.clientId), created.client);
    for (const client of [...listed, await service.get(created.clientId)]) {
      assert.equal('secretHash' in client, false);
      assert.ok(!JSON.stringify(client).includes(String(created.clientSecret)));
    }
  });

  test('rotates the secret: a new one is returned, its hash replaces the old one', async () => {
    const { service, clients, published, secretHash } = setup();
    const created = await service.create(OPERATOR, input());
    const before = clients.get(created.clientId)?.secretHash;

    const rotated = await service.rotateSecret(OPERATOR, created.clientId);
    const after = clients.get(created.clientId)?.secretHash;

    assert.equal(rotated.clientId, created.clientId);
    assert.ok(rotated.clientSecret.startsWith(CLIENT_SECRET_PREFIX));
    assert.notEqual(rotated.clientSecret, String(created.clientSecret));
    assert.ok(before && after);
    assert.notEqual(after, before);
    assert.equal(secretHash.matches(rotated.clientSecret, after), true);
    assert.equal(
      secretHash.matches(String(created.clientSecret), after),
      false,
      'the old secret stops working',
    );
    assert.deepEqual(rotated.client.secretRotatedAt, new Date(T.getTime() + 1000));
    assert.deepEqual(published.at(-1), [CLIENTS_TOPIC, created.clientId]);
  });

  test('removes a client, revokes what it was issued, and announces both on the bus', async () => {
    const { service, clients, published, revoked, revocations } = setup();
    const created = await service.create(OPERATOR, input());
    await service.remove(OPERATOR, created.clientId);
    assert.equal(clients.has(created.clientId), false);
    assert.deepEqual(
      revoked.map((row) => [row.kind, row.key, row.expiresAt !== null]),
      [['client', created.clientId, true]],
    );
    assert.equal(revocations.has('client', created.clientId), true);
    assert.deepEqual(published, [
      [CLIENTS_TOPIC, created.clientId],
      [REVOCATIONS_TOPIC, '1'],
      [CLIENTS_TOPIC, created.clientId],
    ]);
    await assert.rejects(service.get(created.clientId), notFound);
  });

  test('answers not_found for an unknown client id and announces nothing', async () => {
    const { service, published, revoked } = setup();
    await assert.rejects(service.get('cl_unknown'), notFound);
    await assert.rejects(service.rotateSecret(OPERATOR, 'cl_unknown'), notFound);
    await assert.rejects(service.remove(OPERATOR, 'cl_unknown'), notFound);
    assert.deepEqual(published, []);
    assert.deepEqual(revoked, [], 'an unknown client revokes nothing');
  });
});
