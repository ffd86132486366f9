import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import type { Knex } from 'knex';
import { AppError } from '../../../src/errors.ts';
import { createDatabase, type Database } from '../../../src/storage/database.ts';
import {
  createMigrationSource,
  migrateLatest,
  migrateRollback,
  migrationStatus,
} from '../../../src/storage/migrate.ts';
import {
  deleteApiResourceByIdentifier,
  findApiResourceByIdentifier,
  insertApiResource,
  listApiResources,
} from '../../../src/storage/tables/api-resources.ts';
import {
  deleteClientById,
  findClientById,
  insertClient,
  listClientIdsUsingResource,
  listClients,
  updateClient,
  updateClientSecretHash,
} from '../../../src/storage/tables/clients.ts';
import { withPostgresSchema } from '../../helpers/postgres.ts';

const MIGRATIONS = [
  '20261123000100_create_api_resources',
  '20261123000200_create_clients',
  '20261123000300_create_oidc_models',
  '20261123010000_create_subjects',
  '20261123010100_create_resources',
  '20261123010200_create_memberships',
  '20261123010300_create_access_tokens',
  '20261123010400_create_audit_events',
  '20261123010500_create_management_api',
  '20261204000100_create_revocations',
  '20261204000200_add_application_clients',
  '20261204000300_create_authorizations',
  '20261204010000_create_events',
  '20261204010100_create_webhooks',
  '20261204010200_create_token_notices',
  '20261204020000_create_signing_keys',
  '20261204020000_create_ssf_streams',
  '20261204125000_create_ssf_removed_subjects',
  '20261204130000_add_client_dpop',
  '20261204130100_add_client_jwks',
  '20261204130200_create_registration_tokens',
  '20261205000100_index_active_token_names',
];

const MANAGEMENT_API = 'urn:tessera:management';

type Open = (t: TestContext) => Promise<Knex | undefined>;

// Starting PGlite costs more than a second: one instance serves the file, emptied before each test.
let pglite: Promise<Database> | undefined;
after(async () => (await pglite)?.close());

const drivers: [string, Open][] = [
  [
    'PGlite',
    async () => {
      pglite ??= createDatabase({ memory: true });
      const { knex } = await pglite;
      await migrateRollback(knex, { all: true });
      return knex;
    },
  ],
  ['PostgreSQL', async (t) => (await withPostgresSchema(t))?.knex],
];

const tableNames = async (knex: Knex) => {
  const result = (await knex.raw(
    `select table_name from information_schema.tables
     where table_schema = current_schema() and table_name not like 'knex_%' order by table_name`,
  )) as { rows: { table_name: string }[] };
  return result.rows.map((row) => row.table_name);
};

const isConflict = (field: string) => (error: unknown) =>
  error instanceof AppError && error.code === 'conflict' && error.status === 409 && error.field === field;

for (const [driver, open] of drivers) {
  describe(`migrations and tables on ${driver}`, () => {
    it('applies every migration once and reports them completed', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      assert.deepEqual(await migrationStatus(knex), {
        completed: [],
        pending: MIGRATIONS,
      });
      assert.deepEqual(await migrateLatest(knex), MIGRATIONS);
      assert.deepEqual(await migrateLatest(knex), [], 'a second run applies nothing');
      assert.deepEqual(await migrationStatus(knex), {
        completed: MIGRATIONS,
        pending: [],
      });
      assert.deepEqual(await tableNames(knex), [
        'access_tokens',
        'api_resources',
        'audit_events',
        'authorizations',
        'clients',
        'events',
        'memberships',
        'oidc_models',
        'registration_tokens',
        'resources',
        'revocations',
        'signing_keys',
        'ssf_queue',
        'ssf_removed_subjects',
        'ssf_streams',
        'subjects',
        'token_notices',
        'webhook_attempts',
        'webhook_deliveries',
        'webhook_subscriptions',
      ]);
    });

    it('rolls every migration back, leaving no table behind', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await migrateLatest(knex);
      assert.deepEqual(await migrateRollback(knex, { all: true }), [...MIGRATIONS].reverse());
      assert.deepEqual(await tableNames(knex), []);
      assert.deepEqual(await migrateLatest(knex), MIGRATIONS, 'and applies them again');
    });

    it('registers the management API once, leaving one an operator created alone', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await migrateLatest(knex);
      const created = await findApiResourceByIdentifier(knex, MANAGEMENT_API);
      assert.deepEqual(created, {
        id: created?.id,
        identifier: MANAGEMENT_API,
        name: 'Tessera management API',
        format: 'jwt',
        accessTokenTtl: 900,
        scopes: ['tokens:read', 'tokens:write', 'resources:write', 'admin', 'ssf'],
        signingAlg: 'ES256',
        createdAt: created?.createdAt,
        updatedAt: created?.updatedAt,
      });

      // Down to the management API's migration only, not the whole batch.
      while ((await migrationStatus(knex)).completed.at(-1) !== '20261123010500_create_management_api') {
        await knex.migrate.down({ migrationSource: createMigrationSource() });
      }
      await knex.migrate.down({ migrationSource: createMigrationSource() });
      assert.equal(
        await findApiResourceByIdentifier(knex, MANAGEMENT_API),
        undefined,
        'rolled back with its migration',
      );
      const own = await insertApiResource(knex, {
        identifier: MANAGEMENT_API,
        name: 'Our management API',
        format: 'opaque',
        accessTokenTtl: 60,
        signingAlg: 'EdDSA',
      });
      await migrateLatest(knex);
      assert.deepEqual(await findApiResourceByIdentifier(knex, MANAGEMENT_API), own);
    });

    it('returns int8 as numbers and timestamps as Dates', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      const result = (await knex.raw(
        "select count(*) as count, now() as at, '2020-01-02 03:04:05'::timestamp as naive",
      )) as { rows: { count: unknown; at: unknown; naive: unknown }[] };
      const [row] = result.rows;
      assert.equal(row?.count, 1);
      assert.ok(row?.at instanceof Date);
      assert.deepEqual(row?.naive, new Date('2020-01-02T03:04:05Z'));
    });

    it('creates, finds, lists and deletes API resources', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await migrateLatest(knex);
      const created = await insertApiResource(knex, {
        identifier: 'https://invoices.example.com',
        name: 'Invoices',
        format: 'jwt',
        accessTokenTtl: 300,
        scopes: ['invoices:read', 'invoices:write'],
        signingAlg: 'ES256',
      });
      assert.match(created.id, /^[0-9a-f-]{36}$/);
      assert.ok(created.createdAt instanceof Date && created.updatedAt instanceof Date);
      assert.deepEqual(created, {
        id: created.id,
        identifier: 'https://invoices.example.com',
        name: 'Invoices',
        format: 'jwt',
        accessTokenTtl: 300,
        scopes: ['invoices:read', 'invoices:write'],
        signingAlg: 'ES256',
        createdAt: created.createdAt,
        updatedAt: created.updatedAt,
      });
      const other = await insertApiResource(knex, {
        identifier: 'https://accounts.example.com',
        name: 'Accounts',
        format: 'opaque',
        accessTokenTtl: 60,
        signingAlg: 'EdDSA',
      });
      assert.deepEqual(other.scopes, []);

      assert.deepEqual(await findApiResourceByIdentifier(knex, 'https://invoices.example.com'), created);
      assert.equal(await findApiResourceByIdentifier(knex, 'https://nowhere.example.com'), undefined);
      assert.deepEqual(
        (await listApiResources(knex)).map((row) => row.identifier),
        ['https://accounts.example.com', 'https://invoices.example.com', MANAGEMENT_API],
      );
      assert.equal(await deleteApiResourceByIdentifier(knex, 'https://accounts.example.com'), true);
      assert.equal(await deleteApiResourceByIdentifier(knex, 'https://accounts.example.com'), false);
    });

    it('answers a duplicate API identifier with a conflict on that field', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await migrateLatest(knex);
      const input = {
        identifier: 'https://invoices.example.com',
        name: 'Invoices',
        format: 'opaque',
        accessTokenTtl: 300,
        signingAlg: 'RS256',
      } as const;
      await insertApiResource(knex, input);
      await assert.rejects(insertApiResource(knex, { ...input, name: 'Again' }), isConflict('identifier'));
    });

    it('rejects an API resource the schema forbids', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await migrateLatest(knex);
      const base = {
        identifier: 'https://x.example.com',
        name: 'X',
        accessTokenTtl: 60,
        signingAlg: 'ES256',
      } as const;
      await assert.rejects(insertApiResource(knex, { ...base, format: 'jwe' as 'jwt' }), { code: '23514' });
      await assert.rejects(insertApiResource(knex, { ...base, format: 'jwt', accessTokenTtl: 0 }), {
        code: '23514',
      });
      await assert.rejects(
        insertApiResource(knex, {
          ...base,
          format: 'jwt',
          signingAlg: 'HS256' as 'ES256',
        }),
        {
          code: '23514',
        },
      );
    });

    it('creates, finds, lists, rotates and deletes clients', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await migrateLatest(knex);
      const billing = await insertClient(knex, {
        clientId: 'svc-billing',
        name: 'Billing',
        secretHash: 'hash-1',
        grantTypes: ['client_credentials'],
        resources: ['https://invoices.example.com', 'https://accounts.example.com'],
        scopes: ['invoices:read'],
      });
      assert.deepEqual(billing, {
        clientId: 'svc-billing',
        name: 'Billing',
        secretHash: 'hash-1',
        grantTypes: ['client_credentials'],
        resources: ['https://invoices.example.com', 'https://accounts.example.com'],
        scopes: ['invoices:read'],
        introspects: [],
        redirectUris: [],
        postLogoutRedirectUris: [],
        tokenEndpointAuthMethod: 'client_secret_basic',
        firstParty: false,
        createdAt: billing.createdAt,
        updatedAt: billing.updatedAt,
        secretRotatedAt: null,
        applicationType: 'service',
        previousSecretHash: null,
        previousSecretExpiresAt: null,
        refreshTokenAbsoluteTtl: null,
        refreshTokenIdleTtl: null,
        dpopBoundAccessTokens: false,
        registeredVia: null,
        jwks: null,
        jwksUri: null,
      });
      assert.ok(billing.createdAt instanceof Date);
      const consoleClient = await insertClient(knex, {
        clientId: 'console',
        name: 'Console',
        secretHash: null,
        grantTypes: ['authorization_code', 'refresh_token'],
        resources: ['https://tessera.example.com/v1'],
        scopes: ['openid', 'tokens:write'],
        redirectUris: ['https://tessera.example.com/console/callback'],
        postLogoutRedirectUris: ['https://tessera.example.com/console'],
        tokenEndpointAuthMethod: 'none',
        firstParty: true,
      });
      const auditor = await insertClient(knex, {
        clientId: 'auditor',
        name: 'Billing',
        secretHash: 'hash-2',
        grantTypes: ['client_credentials'],
        resources: ['https://accounts.example.com'],
        scopes: [],
        introspects: ['https://invoices.example.com'],
      });

      assert.deepEqual(await findClientById(knex, 'console'), consoleClient);
      assert.equal(await findClientById(knex, 'nobody'), undefined);
      assert.deepEqual(
        (await listClients(knex)).map((row) => row.clientId),
        ['auditor', 'svc-billing', 'console'],
        'ordered by name, then client_id',
      );
      assert.deepEqual(await listClientIdsUsingResource(knex, 'https://accounts.example.com'), [
        'auditor',
        'svc-billing',
      ]);
      assert.deepEqual(await listClientIdsUsingResource(knex, 'https://nowhere.example.com'), []);

      const rotated = await updateClientSecretHash(knex, 'svc-billing', 'hash-3');
      assert.equal(rotated?.secretHash, 'hash-3');
      assert.ok(rotated?.secretRotatedAt instanceof Date);
      assert.ok(rotated.updatedAt.getTime() >= billing.updatedAt.getTime());
      assert.equal(rotated.previousSecretHash, null, 'without an overlap the old secret is gone');
      const until = new Date(Date.now() + 3_600_000);
      const overlapping = await updateClientSecretHash(knex, 'svc-billing', 'hash-4', until);
      assert.equal(overlapping?.secretHash, 'hash-4');
      assert.equal(
        overlapping?.previousSecretHash,
        'hash-3',
        'the replaced hash is kept, in the same statement',
      );
      assert.equal(overlapping?.previousSecretExpiresAt?.getTime(), until.getTime());
      assert.equal(await updateClientSecretHash(knex, 'nobody', 'hash'), undefined);

      assert.equal(await deleteClientById(knex, auditor.clientId), true);
      assert.equal(await deleteClientById(knex, auditor.clientId), false);
    });

    it('stores whether a client must use DPoP, and changes it', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await migrateLatest(knex);
      const strict = await insertClient(knex, {
        clientId: 'svc-strict',
        name: 'Strict',
        secretHash: 'hash-1',
        grantTypes: ['client_credentials'],
        resources: ['https://invoices.example.com'],
        scopes: [],
        dpopBoundAccessTokens: true,
      });
      assert.equal(strict.dpopBoundAccessTokens, true);
      assert.equal((await findClientById(knex, 'svc-strict'))?.dpopBoundAccessTokens, true);
      const relaxed = await updateClient(knex, 'svc-strict', { dpopBoundAccessTokens: false });
      assert.equal(relaxed?.dpopBoundAccessTokens, false);
      const renamed = await updateClient(knex, 'svc-strict', { name: 'Renamed' });
      assert.equal(renamed?.dpopBoundAccessTokens, false, 'a change that does not name it keeps it');
    });

    it('moves a client to private_key_jwt: its keys are stored, its secret and the one before are gone', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await migrateLatest(knex);
      await insertClient(knex, {
        clientId: 'svc-keys',
        name: 'Keys',
        secretHash: 'hash-1',
        grantTypes: ['client_credentials'],
        resources: [],
        scopes: [],
      });
      await updateClientSecretHash(knex, 'svc-keys', 'hash-2', new Date(Date.now() + 3_600_000));
      const jwks = {
        keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }],
      };
      const moved = await updateClient(knex, 'svc-keys', {
        keys: { tokenEndpointAuthMethod: 'private_key_jwt', jwks, jwksUri: null },
      });
      assert.equal(moved?.tokenEndpointAuthMethod, 'private_key_jwt');
      assert.deepEqual(moved?.jwks, jwks);
      assert.equal(moved?.secretHash, null);
      assert.equal(moved?.previousSecretHash, null);
      assert.equal(moved?.previousSecretExpiresAt, null);
      const byUri = await updateClient(knex, 'svc-keys', {
        keys: {
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: null,
          jwksUri: 'https://keys.example.com/jwks',
        },
      });
      assert.equal(byUri?.jwks, null);
      assert.equal(byUri?.jwksUri, 'https://keys.example.com/jwks');
      // The keys come from one place: the table itself refuses both.
      await assert.rejects(
        knex('clients')
          .where({ client_id: 'svc-keys' })
          .update({ jwks: JSON.stringify(jwks) }),
        { code: '23514' },
      );
    });

    it('answers a duplicate client_id with a conflict on that field', async (t) => {
      const knex = await open(t);
      if (!knex) return;
      await migrateLatest(knex);
      const input = {
        clientId: 'svc-billing',
        name: 'Billing',
        secretHash: null,
        grantTypes: ['client_credentials'],
        resources: [],
        scopes: [],
      };
      await insertClient(knex, input);
      await assert.rejects(insertClient(knex, input), isConflict('clientId'));
    });
  });
}
