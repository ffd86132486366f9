import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTokenModelAdapters, TOKEN_STORE_MODEL } from '../../../src/oidc/token-models-adapter.ts';
import type { AdapterPayload, OidcAdapter } from '../../../src/storage/oidc-adapter/contract.ts';

const recordingStore = () => {
  const entries = new Map<string, AdapterPayload>();
  const finds: string[] = [];
  const models: string[] = [];
  const store: OidcAdapter = {
    upsert: async (id, payload) => void entries.set(id, payload),
    find: async (id) => {
      finds.push(id);
      return entries.get(id);
    },
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    consume: async () => {},
    destroy: async (id) => void entries.delete(id),
    revokeByGrantId: async () => {},
  };
  return { store, finds, models, factory: (model: string) => (models.push(model), store) };
};

test('the three token models share one key space and one lookup per token', async () => {
  const { factory, finds, models } = recordingStore();
  const adapterFor = createTokenModelAdapters(factory);
  const [access, clientCredentials, refresh] = ['AccessToken', 'ClientCredentials', 'RefreshToken'].map(
    adapterFor,
  );
  await clientCredentials?.upsert('opaque-token', { kind: 'ClientCredentials', clientId: 'cl_1' }, 60);

  const found = await Promise.all(
    [access, clientCredentials, refresh].map((adapter) => adapter?.find('opaque-token')),
  );
  assert.deepEqual(found, [undefined, { kind: 'ClientCredentials', clientId: 'cl_1' }, undefined]);
  assert.deepEqual(finds, ['opaque-token'], 'one lookup answered all three models');
  assert.deepEqual(models, [TOKEN_STORE_MODEL]);
});

test('personal and resource access tokens are never looked up in the token store', async () => {
  const { factory, finds } = recordingStore();
  const access = createTokenModelAdapters(factory)('AccessToken');
  assert.equal(await access.find('tsr_pat_whatever'), undefined);
  assert.deepEqual(finds, []);
});
