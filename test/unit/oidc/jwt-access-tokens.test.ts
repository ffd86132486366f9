import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import type { AuditActor, AuditRecord } from '../../../src/domain/audit/audit-log.ts';
import type { RevocationService } from '../../../src/domain/revocations/revocation-service.ts';
import { type AccessTokenClaims, createJwtAccessTokens } from '../../../src/oidc/jwt-access-tokens.ts';
import type { Revocation } from '../../../src/storage/revocations/revocation-list.ts';

const ISSUER = 'https://auth.test';
const NOW = 1_750_000_000;
const EXP = NOW + 300;

/** Revocations in memory, recording each one with the audit event it was written with. */
const memoryRevocations = () => {
  const recorded: { actor: AuditActor; revocations: readonly Revocation[]; audit: AuditRecord }[] = [];
  const revokedAt = (kind: string, key: string) =>
    recorded
      .flatMap((r) => r.revocations)
      .find((r) => r.kind === kind && r.key === key)
      ?.revokedAt.getTime();
  const service: RevocationService = {
    has: (kind, key) => revokedAt(kind, key) !== undefined,
    revokedAt,
    revoke: async (actor, revocations, audit) => {
      recorded.push({ actor, revocations, audit });
    },
  };
  return { service, recorded };
};

const CALLER: AuditActor = { kind: 'client', id: 'cl_billing', meta: { ip: '127.0.0.1' } };

type Signer = { kid: string; alg: string; privateKey: CryptoKey; publicJwk: JWK };

const signer = async (alg: 'ES256' | 'RS256' | 'EdDSA', kid: string): Promise<Signer> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
};

const CLAIMS = {
  jti: 'jti-0f6c1a',
  client_id: 'cl_billing',
  sub: 'cl_billing',
  aud: 'https://api.test/orders',
  scope: 'orders:read',
};

const sign = (
  key: Signer,
  options: { claims?: JWTPayload; typ?: string; issuer?: string; iat?: number; exp?: number } = {},
) =>
  new SignJWT(options.claims ?? CLAIMS)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: options.typ ?? 'at+jwt' })
    .setIssuer(options.issuer ?? ISSUER)
    .setIssuedAt(options.iat ?? NOW - 10)
    .setExpirationTime(options.exp ?? EXP)
    .sign(key.privateKey);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT access tokens', () => {
  let es256: Signer;
  let rs256: Signer;
  let eddsa: Signer;
  let stranger: Signer;
  let publicJwks: JSONWebKeySet;

  before(async () => {
    es256 = await signer('ES256', 'es-1');
    rs256 = await signer('RS256', 'rs-1');
    eddsa = await signer('EdDSA', 'ed-1');
    stranger = await signer('ES256', 'es-stranger');
    publicJwks = { keys: [es256.publicJwk, rs256.publicJwk, eddsa.publicJwk] };
  });

  /** `live` lists the PATs and RATs (by id) that still work. */
  const tokens = (now = NOW, live: readonly string[] = []) => {
    const revocations = memoryRevocations();
    const asked: string[] = [];
    const subjectTokens = {
      isLive: async (id: string) => {
        asked.push(id);
        return live.includes(id);
      },
    };
    return {
      ...createJwtAccessTokens({
        issuer: ISSUER,
        publicJwks,
        revocations: revocations.service,
        subjectTokens,
        now: () => now,
      }),
      revocations,
      asked,
    };
  };

  test('accepts a genuine at+jwt and returns its claims', async () => {
    const claims = await tokens().verify(await sign(es256));
    assert.deepEqual(claims, { ...CLAIMS, iss: ISSUER, iat: NOW - 10, exp: EXP });
  });

  test('accepts tokens signed by each of the published algorithms', async () => {
    for (const key of [rs256, eddsa]) {
      assert.equal((await tokens().verify(await sign(key)))?.jti, CLAIMS.jti, key.alg);
    }
  });

  test('accepts the full media type application/at+jwt', async () => {
    assert.equal((await tokens().verify(await sign(es256, { typ: 'application/at+jwt' })))?.jti, CLAIMS.jti);
  });

  test('accepts an audience list', async () => {
    const aud = ['https://api.test/orders', 'https://api.test/billing'];
    assert.deepEqual((await tokens().verify(await sign(es256, { claims: { ...CLAIMS, aud } })))?.aud, aud);
  });

  test('rejects a token of another type, such as an ID token', async () => {
    assert.equal(await tokens().verify(await sign(es256, { typ: 'JWT' })), undefined);
    assert.equal(await tokens().verify(await sign(es256, { typ: 'logout+jwt' })), undefined);
  });

  test('rejects a token without a typ header', async () => {
    const token = await new SignJWT(CLAIMS)
      .setProtectedHeader({ alg: 'ES256', kid: es256.kid })
      .setIssuer(ISSUER)
      .setIssuedAt(NOW - 10)
      .setExpirationTime(EXP)
      .sign(es256.privateKey);
    assert.equal(await tokens().verify(token), undefined);
  });

  test('rejects a token from another issuer', async () => {
    assert.equal(await tokens().verify(await sign(es256, { issuer: 'https://evil.test' })), undefined);
    assert.equal(await tokens().verify(await sign(es256, { issuer: `${ISSUER}/` })), undefined);
  });

  test('rejects a token missing a required claim', async () => {
    for (const claim of ['client_id', 'jti', 'sub', 'aud'] as const) {
      const { [claim]: _dropped, ...claims } = CLAIMS;
      assert.equal(await tokens().verify(await sign(es256, { claims })), undefined, claim);
    }
  });

  test('rejects a token whose client_id or jti is not a string', async () => {
    assert.equal(
      await tokens().verify(await sign(es256, { claims: { ...CLAIMS, client_id: 42 } })),
      undefined,
    );
    assert.equal(
      await tokens().verify(await sign(es256, { claims: { ...CLAIMS, jti: 7 } as unknown as JWTPayload })),
      undefined,
    );
  });

  test('rejects a token from its expiry on', async () => {
    const token = await sign(es256);
    assert.equal((await tokens(EXP - 1).verify(token))?.jti, CLAIMS.jti);
    assert.equal(await tokens(EXP).verify(token), undefined);
    assert.equal(await tokens(EXP + 3600).verify(token), undefined);
  });

  test('rejects an unsigned token (alg none)', async () => {
    const token = `${b64({ alg: 'none', typ: 'at+jwt', kid: es256.kid })}.${b64({
      ...CLAIMS,
      iss: ISSUER,
      iat: NOW - 10,
      exp: EXP,
    })}.`;
    assert.equal(await tokens().verify(token), undefined);
  });

  test('rejects an HS256 token keyed with the public key bytes', async () => {
    const payload = { ...CLAIMS, iss: ISSUER, iat: NOW - 10, exp: EXP };
    const secrets = [
      new TextEncoder().encode(await exportSPKI((await importJWK(es256.publicJwk, 'ES256')) as CryptoKey)),
      new TextEncoder().encode(JSON.stringify(es256.publicJwk)),
    ];
    for (const secret of secrets) {
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', kid: es256.kid, typ: 'at+jwt' })
        .sign(secret);
      assert.equal(await tokens().verify(token), undefined);
    }
  });

  test('rejects a token signed by a key that is not in the set, whatever kid it claims', async () => {
    assert.equal(await tokens().verify(await sign(stranger)), undefined);
    assert.equal(await tokens().verify(await sign({ ...stranger, kid: es256.kid })), undefined);
  });

  test('rejects a token whose payload was changed after signing', async () => {
    const [header, payload, signature] = (await sign(es256)).split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as JWTPayload;
    const widened = b64({ ...claims, scope: 'orders:read orders:write' });
    assert.equal(await tokens().verify(`${header}.${widened}.${signature}`), undefined);
  });

  test('revokes a token until it would have expired anyway', async () => {
    const verifier = tokens();
    const claims = (await verifier.verify(await sign(es256))) as AccessTokenClaims;
    assert.equal(await verifier.isRevoked(claims), false);

    await verifier.revoke(claims, CALLER);

    assert.deepEqual(verifier.revocations.recorded, [
      {
        actor: CALLER,
        revocations: [
          { kind: 'jwt', key: CLAIMS.jti, revokedAt: new Date(NOW * 1000), expiresAt: new Date(EXP * 1000) },
        ],
        audit: {
          action: 'oauth_token.revoke',
          target: { type: 'jwt', id: CLAIMS.jti },
          details: { client: CLAIMS.client_id, subject: CLAIMS.sub },
        },
      },
    ]);
    assert.equal(await verifier.isRevoked(claims), true);
    assert.equal(await verifier.isRevoked({ ...claims, jti: 'another-jti' }), false);
  });

  test('stores nothing when revoking a token that has already expired', async () => {
    const claims = { ...CLAIMS, iss: ISSUER, iat: NOW - 10, exp: EXP } as AccessTokenClaims;
    for (const now of [EXP, EXP + 60]) {
      const verifier = tokens(now);
      await verifier.revoke(claims, CALLER);
      assert.equal(verifier.revocations.recorded.length, 0, `at ${now - EXP}s past expiry`);
      assert.equal(await verifier.isRevoked(claims), false);
    }
  });

  test('counts a token as revoked once its client was deleted, and only tokens issued before', async () => {
    const verifier = tokens();
    const claims = (await verifier.verify(await sign(es256))) as AccessTokenClaims;
    await verifier.revocations.service.revoke(
      CALLER,
      [
        {
          kind: 'client',
          key: CLAIMS.client_id,
          revokedAt: new Date(NOW * 1000),
          expiresAt: new Date((NOW + 60) * 1000),
        },
      ],
      { action: 'client.delete', target: { type: 'client', id: CLAIMS.client_id } },
    );
    assert.equal(await verifier.isRevoked({ ...claims, iat: NOW - 10 }), true);
    assert.equal(await verifier.isRevoked({ ...claims, iat: NOW + 5 }), false, 'a client created again');
  });

  test('counts an exchanged token as revoked once the PAT or RAT it names in token_id stops working', async () => {
    const exchanged = { ...CLAIMS, sub: 'usr_bob', token_id: 'tok_live', token_kind: 'personal' };
    const live = tokens(NOW, ['tok_live']);
    const claims = (await live.verify(await sign(es256, { claims: exchanged }))) as AccessTokenClaims;
    assert.equal(await live.isRevoked(claims), false);
    assert.deepEqual(live.asked, ['tok_live']);

    const dead = tokens(NOW, []);
    assert.equal(await dead.isRevoked(claims), true);
    // A client_credentials token depends on no PAT: nothing is asked.
    const plain = (await dead.verify(await sign(es256))) as AccessTokenClaims;
    assert.equal(await dead.isRevoked(plain), false);
    assert.deepEqual(dead.asked, ['tok_live']);
  });
});
