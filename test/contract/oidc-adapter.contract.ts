import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createPepperHash } from '../../src/crypto/pepper-hash.ts';
import { randomToken } from '../../src/crypto/random.ts';
import { createSealedBox } from '../../src/crypto/sealed-box.ts';
import type { AdapterPayload, OidcAdapterFactory } from '../../src/storage/oidc-adapter/contract.ts';

/**
 * The suite every implementation of src/storage/oidc-adapter/contract.ts passes. Expiry is
 * observed without sleeping: an implementation with an injectable clock moves it
 * (`advanceClock`), one whose server keeps time reports the remaining time to live
 * (`remainingTtlMs`).
 */
export type ContractHarness = {
  factory: OidcAdapterFactory;
  /** Moves the adapter's clock forward. */
  advanceClock?: (ms: number) => void;
  /** Milliseconds before the entry (model, id) expires: -1 without expiry, -2 when absent (PTTL). */
  remainingTtlMs?: (model: string, id: string) => Promise<number>;
  /** Everything the implementation stored, as text (every row; every key and value). */
  dump: () => Promise<string>;
};

/** Builds a harness for one test (registering its own cleanup); undefined when the test is skipped. */
export type ContractSetup = (t: TestContext, deps: ContractDeps) => Promise<ContractHarness | undefined>;

export type ContractDeps = {
  hashId: (value: string) => string;
  sealedBox: ReturnType<typeof createSealedBox>;
};

const PEPPER = 'contract-suite-pepper-0123456789abcdef0123456789';

export const contractDeps = (): ContractDeps => ({
  hashId: createPepperHash(PEPPER, 'oidc-model-id').digest,
  sealedBox: createSealedBox(PEPPER, 'oidc-model-payload'),
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

const accessToken = (jti: string, extra: Partial<AdapterPayload> = {}): AdapterPayload => ({
  iat: nowSeconds(),
  exp: nowSeconds() + 3600,
  kind: 'AccessToken',
  jti,
  accountId: 'user-1',
  clientId: 'svc-billing',
  aud: 'https://api.example.com',
  scope: 'invoices:read invoices:write',
  claims: { userinfo: { email: null } },
  extra: {},
  rar: [],
  'x5t#S256': undefined,
  ...extra,
});

/** oidc-provider never writes undefined values; JSON storage drops them, so compare without. */
const defined = (payload: AdapterPayload): AdapterPayload =>
  JSON.parse(JSON.stringify(payload)) as AdapterPayload;

export const runOidcAdapterContract = (name: string, setup: ContractSetup): void => {
  describe(`${name} honours the oidc-provider adapter contract`, () => {
    const start = async (t: TestContext) => setup(t, contractDeps());

    it('finds an upserted entry by its id, with its jti restored', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const adapter = harness.factory('AccessToken');
      const id = randomToken();
      const payload = accessToken(id, {
        nested: { list: [1, 'two', { three: true }], empty: {} },
        text: 'é ✓ "q"',
      });
      await adapter.upsert(id, payload, 3600);
      assert.deepEqual(await adapter.find(id), defined(payload));
    });

    it('replaces the whole payload when an id is upserted again', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const adapter = harness.factory('AccessToken');
      const id = randomToken();
      await adapter.upsert(id, accessToken(id, { first: 'only in the first version' }), 3600);
      const second = accessToken(id, { scope: 'invoices:read' });
      await adapter.upsert(id, second, 3600);
      assert.deepEqual(await adapter.find(id), defined(second));
    });

    it('keeps entries of different models apart under the same id', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const id = randomToken();
      await harness.factory('AccessToken').upsert(id, accessToken(id), 60);
      await harness.factory('RefreshToken').upsert(id, { kind: 'RefreshToken', jti: id, rotations: 0 }, 60);
      assert.equal((await harness.factory('AccessToken').find(id))?.kind, 'AccessToken');
      assert.equal((await harness.factory('RefreshToken').find(id))?.kind, 'RefreshToken');
      await harness.factory('RefreshToken').destroy(id);
      assert.equal((await harness.factory('AccessToken').find(id))?.kind, 'AccessToken');
    });

    it('stops returning an entry once expiresIn seconds have passed', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const adapter = harness.factory('AccessToken');
      const id = randomToken();
      await adapter.upsert(id, accessToken(id), 60);
      if (harness.advanceClock) {
        harness.advanceClock(59_000);
        assert.ok(await adapter.find(id), 'found one second before expiry');
        harness.advanceClock(1_001);
        assert.equal(await adapter.find(id), undefined);
      } else if (harness.remainingTtlMs) {
        const ttl = await harness.remainingTtlMs('AccessToken', id);
        assert.ok(ttl > 55_000 && ttl <= 60_000, `expires in about 60 s, got ${ttl} ms`);
      } else {
        assert.fail('the harness must offer advanceClock or remainingTtlMs');
      }
    });

    it('keeps an entry upserted without expiresIn indefinitely', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const adapter = harness.factory('Grant');
      const id = randomToken();
      await adapter.upsert(id, {
        kind: 'Grant',
        jti: id,
        accountId: 'user-1',
        clientId: 'svc',
      });
      if (harness.advanceClock) {
        harness.advanceClock(10 * 365 * 24 * 3600 * 1000);
      } else if (harness.remainingTtlMs) {
        assert.equal(await harness.remainingTtlMs('Grant', id), -1);
      }
      assert.equal((await adapter.find(id))?.jti, id);
    });

    it('marks a consumed entry with the epoch seconds of consumption and keeps the rest', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const adapter = harness.factory('AuthorizationCode');
      const id = randomToken();
      const payload = {
        kind: 'AuthorizationCode',
        jti: id,
        grantId: randomToken(),
        scope: 'openid',
        rar: [],
      };
      await adapter.upsert(id, payload, 600);
      const before = nowSeconds();
      await adapter.consume(id);
      const found = await adapter.find(id);
      assert.ok(found);
      const { consumed, ...rest } = found;
      assert.deepEqual(rest, payload);
      assert.equal(typeof consumed, 'number');
      assert.ok((consumed as number) >= before && (consumed as number) <= nowSeconds() + 1);

      if (harness.advanceClock) {
        harness.advanceClock(601_000);
        assert.equal(await adapter.find(id), undefined, 'consuming does not extend the expiry');
      } else if (harness.remainingTtlMs) {
        const ttl = await harness.remainingTtlMs('AuthorizationCode', id);
        assert.ok(ttl > 590_000 && ttl <= 600_000, `consuming keeps the expiry, got ${ttl} ms`);
      }
    });

    it('forgets a destroyed entry', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const adapter = harness.factory('AccessToken');
      const id = randomToken();
      await adapter.upsert(id, accessToken(id), 60);
      await adapter.destroy(id);
      assert.equal(await adapter.find(id), undefined);
    });

    it('finds a Session by its uid, with its jti restored', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const adapter = harness.factory('Session');
      const id = randomToken();
      const uid = randomToken();
      const session = {
        kind: 'Session',
        jti: id,
        uid,
        accountId: 'user-1',
        loginTs: nowSeconds(),
        authorizations: {},
      };
      await adapter.upsert(id, session, 3600);
      assert.deepEqual(await adapter.findByUid(uid), session);
      assert.deepEqual(await adapter.find(id), session);
    });

    it('does not find a Session by a uid it no longer has', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const adapter = harness.factory('Session');
      const id = randomToken();
      const oldUid = randomToken();
      const newUid = randomToken();
      await adapter.upsert(id, { kind: 'Session', jti: id, uid: oldUid }, 3600);
      await adapter.upsert(id, { kind: 'Session', jti: id, uid: newUid }, 3600);
      assert.equal(await adapter.findByUid(oldUid), undefined);
      assert.equal((await adapter.findByUid(newUid))?.jti, id);
    });

    it('finds a DeviceCode by its user code, with its jti restored', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const adapter = harness.factory('DeviceCode');
      const id = randomToken();
      const userCode = 'WDJB-MJHT';
      const deviceCode = {
        kind: 'DeviceCode',
        jti: id,
        userCode,
        clientId: 'tv',
        params: { scope: 'openid' },
      };
      await adapter.upsert(id, deviceCode, 600);
      assert.deepEqual(await adapter.findByUserCode(userCode), deviceCode);
      assert.equal(await adapter.findByUserCode('WDJB-XXXX'), undefined);
    });

    it('revokes every entry of a grant, whatever its model, and nothing else', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const grantId = randomToken();
      const otherGrantId = randomToken();
      const entries = [
        { model: 'AccessToken', id: randomToken(), grantId, expiresIn: 60 },
        {
          model: 'RefreshToken',
          id: randomToken(),
          grantId,
          expiresIn: 86_400,
        },
        {
          model: 'AuthorizationCode',
          id: randomToken(),
          grantId,
          expiresIn: 600,
        },
        {
          model: 'AccessToken',
          id: randomToken(),
          grantId: otherGrantId,
          expiresIn: 60,
        },
      ];
      for (const entry of entries) {
        await harness
          .factory(entry.model)
          .upsert(entry.id, { kind: entry.model, jti: entry.id, grantId: entry.grantId }, entry.expiresIn);
      }
      await harness.factory('AccessToken').revokeByGrantId(grantId);
      for (const entry of entries) {
        const found = await harness.factory(entry.model).find(entry.id);
        if (entry.grantId === grantId)
          assert.equal(found, undefined, `${entry.model} of the grant is revoked`);
        else assert.equal(found?.jti, entry.id, 'the other grant is untouched');
      }
    });

    it('resolves unknown ids, uids and user codes to undefined without throwing', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const unknown = randomToken();
      assert.equal(await harness.factory('AccessToken').find(unknown), undefined);
      assert.equal(await harness.factory('Session').findByUid(unknown), undefined);
      assert.equal(await harness.factory('DeviceCode').findByUserCode(unknown), undefined);
      await harness.factory('AccessToken').consume(unknown);
      await harness.factory('AccessToken').destroy(unknown);
      await harness.factory('AccessToken').revokeByGrantId(unknown);
      assert.equal(await harness.factory('AccessToken').find(unknown), undefined, 'consume creates nothing');
    });

    it('stores no id, uid, user code, grant id or session cookie in clear', async (t) => {
      const harness = await start(t);
      if (!harness) return;
      const secret = (label: string) => `${label}-${randomToken(24)}`;
      const s = {
        tokenId: secret('token'),
        grantId: secret('grant'),
        sessionId: secret('session-cookie'),
        sessionUid: secret('session-uid'),
        deviceId: secret('device-code'),
        userCode: secret('user-code'),
        interactionId: secret('interaction'),
        parId: secret('par'),
        cibaId: secret('ciba'),
      };
      const payloads: [string, string, AdapterPayload][] = [
        [
          'ClientCredentials',
          s.tokenId,
          {
            kind: 'ClientCredentials',
            jti: s.tokenId,
            clientId: 'svc',
            scope: 'a',
          },
        ],
        [
          'Grant',
          s.grantId,
          {
            kind: 'Grant',
            jti: s.grantId,
            accountId: 'user-1',
            clientId: 'svc',
          },
        ],
        [
          'AccessToken',
          `${s.tokenId}-at`,
          {
            kind: 'AccessToken',
            jti: `${s.tokenId}-at`,
            grantId: s.grantId,
            sessionUid: s.sessionUid,
          },
        ],
        [
          'Session',
          s.sessionId,
          {
            kind: 'Session',
            jti: s.sessionId,
            uid: s.sessionUid,
            accountId: 'user-1',
          },
        ],
        [
          'DeviceCode',
          s.deviceId,
          {
            kind: 'DeviceCode',
            jti: s.deviceId,
            userCode: s.userCode,
            grantId: s.grantId,
          },
        ],
        [
          'Interaction',
          s.interactionId,
          {
            kind: 'Interaction',
            jti: s.interactionId,
            session: {
              accountId: 'user-1',
              uid: s.sessionUid,
              cookie: s.sessionId,
              acr: 'urn:mace',
            },
            deviceCode: s.deviceId,
            parJti: s.parId,
            grantId: s.grantId,
            returnTo: `https://auth.example.com/auth/${s.interactionId}`,
          },
        ],
        [
          'BackchannelAuthenticationRequest',
          s.cibaId,
          { kind: 'BackchannelAuthenticationRequest', jti: s.cibaId },
        ],
      ];
      for (const [model, id, payload] of payloads) await harness.factory(model).upsert(id, payload, 600);

      const dump = await harness.dump();
      assert.ok(dump.length > 0, 'the dump shows the stored entries');
      for (const [label, value] of Object.entries(s)) {
        assert.ok(!dump.includes(value.slice(label.length + 1)), `${label} appears in clear at rest`);
      }

      for (const [model, id, payload] of payloads) {
        assert.deepEqual(await harness.factory(model).find(id), payload, `${model} reads back whole`);
      }
      assert.equal((await harness.factory('Session').findByUid(s.sessionUid))?.jti, s.sessionId);
      assert.equal((await harness.factory('DeviceCode').findByUserCode(s.userCode))?.jti, s.deviceId);
    });
  });
};
