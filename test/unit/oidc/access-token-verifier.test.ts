import assert from 'node:assert/strict';
import { createPrivateKey, sign as signWithKey } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet, type JWK, jwtVerify } from 'jose';
import { createNativeVerifier, FALL_BACK } from '../../../src/oidc/access-token-verifier.ts';

/**
 * The native verifier must answer every token exactly as jose's jwtVerify with the same options
 * does, or hand it to jose (FALL_BACK). Each case below is signed for real, then decided by both.
 */
const ISSUER = 'https://auth.test';
const NOW = 1_750_000_000;
const OPTIONS = {
  issuer: ISSUER,
  typ: 'at+jwt',
  algorithms: ['ES256', 'RS256', 'EdDSA', 'Ed25519'],
  requiredClaims: ['jti', 'exp', 'aud', 'client_id', 'sub', 'iat'],
};
const CLAIMS = {
  iss: ISSUER,
  jti: 'j1',
  client_id: 'cl_a',
  sub: 'cl_a',
  aud: 'https://api.test',
  iat: NOW - 10,
  exp: NOW + 300,
};

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

type Key = { alg: string; kid: string; privateJwk: JWK; publicJwk: JWK };

const makeKey = async (alg: 'ES256' | 'RS256' | 'EdDSA', kid: string): Promise<Key> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    alg,
    kid,
    privateJwk: await exportJWK(privateKey),
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
};

/** A compact JWS over exactly the header and payload given (strings are taken as they are). */
const jws = (key: Key, header: unknown, payload: unknown): string => {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = signWithKey(
    key.alg === 'EdDSA' ? null : 'sha256',
    Buffer.from(input),
    key.alg === 'ES256'
      ? { key: createPrivateKey({ key: key.privateJwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }
      : createPrivateKey({ key: key.privateJwk, format: 'jwk' }),
  );
  return `${input}.${signature.toString('base64url')}`;
};

const byJose = async (jwks: JSONWebKeySet, token: string) => {
  try {
    return (
      await jwtVerify(token, createLocalJWKSet(jwks), { ...OPTIONS, currentDate: new Date(NOW * 1000) })
    ).payload;
  } catch {
    return undefined;
  }
};

describe('the node:crypto access token verifier', () => {
  let es: Key;
  let rs: Key;
  let ed: Key;
  let twin: Key;
  let jwks: JSONWebKeySet;

  before(async () => {
    es = await makeKey('ES256', 'es-1');
    rs = await makeKey('RS256', 'rs-1');
    ed = await makeKey('EdDSA', 'ed-1');
    twin = await makeKey('ES256', 'twin');
    const twinAgain = await makeKey('ES256', 'twin');
    jwks = { keys: [es.publicJwk, rs.publicJwk, ed.publicJwk, twin.publicJwk, twinAgain.publicJwk] };
  });

  const header = (key: Key, extra: Record<string, unknown> = {}) => ({
    alg: key.alg,
    typ: 'at+jwt',
    kid: key.kid,
    ...extra,
  });

  test('decides the tokens Tessera signs itself, as jose does', async () => {
    const native = createNativeVerifier(jwks, OPTIONS);
    const cases: [string, string][] = [
      ['ES256', jws(es, header(es), CLAIMS)],
      ['RS256', jws(rs, header(rs), CLAIMS)],
      ['EdDSA', jws(ed, header(ed), CLAIMS)],
      ['typ application/at+jwt', jws(es, header(es, { typ: 'application/AT+JWT' }), CLAIMS)],
      ['typ JWT', jws(es, header(es, { typ: 'JWT' }), CLAIMS)],
      ['no typ', jws(es, { alg: 'ES256', kid: 'es-1' }, CLAIMS)],
      ['typ a number', jws(es, header(es, { typ: 1 }), CLAIMS)],
      ['expired now', jws(es, header(es), { ...CLAIMS, exp: NOW })],
      ['expires in a second', jws(es, header(es), { ...CLAIMS, exp: NOW + 1 })],
      ['nbf ahead', jws(es, header(es), { ...CLAIMS, nbf: NOW + 1 })],
      ['nbf now', jws(es, header(es), { ...CLAIMS, nbf: NOW })],
      ['exp a string', jws(es, header(es), { ...CLAIMS, exp: String(NOW + 300) })],
      ['iat a string', jws(es, header(es), { ...CLAIMS, iat: 'yesterday' })],
      ['iat null', jws(es, header(es), { ...CLAIMS, iat: null })],
      ['another issuer', jws(es, header(es), { ...CLAIMS, iss: `${ISSUER}/` })],
      ['no iss', jws(es, header(es), { ...CLAIMS, iss: undefined })],
      ['no sub', jws(es, header(es), { ...CLAIMS, sub: undefined })],
      ['payload an array', jws(es, header(es), [CLAIMS])],
      ['payload not JSON', jws(es, header(es), 'not json')],
      ['payload null', jws(es, header(es), 'null')],
      ['signed by another key under this kid', jws(twin, header(es), CLAIMS)],
    ];
    for (const [name, token] of cases) {
      const decided = native(token, NOW);
      assert.notEqual(decided, FALL_BACK, `${name}: decided natively`);
      assert.deepEqual(decided, await byJose(jwks, token), name);
    }
  });

  test('leaves every other shape to jose', async () => {
    const native = createNativeVerifier(jwks, OPTIONS);
    const [h, p, s] = jws(es, header(es), CLAIMS).split('.') as [string, string, string];
    const cases: [string, string][] = [
      ['crit', jws(es, header(es, { crit: ['exp'], exp: 1 }), CLAIMS)],
      ['b64 false', jws(es, header(es, { b64: false }), CLAIMS)],
      ['an unknown kid', jws(es, header(es, { kid: 'nobody' }), CLAIMS)],
      ['a kid two keys share', jws(twin, header(twin), CLAIMS)],
      ['ES256 header naming the RSA key', jws(rs, header(rs, { alg: 'ES256' }), CLAIMS)],
      ['no kid', jws(es, { alg: 'ES256', typ: 'at+jwt' }, CLAIMS)],
      ['alg none', `${b64({ alg: 'none', typ: 'at+jwt', kid: 'es-1' })}.${p}.`],
      ['HS256', `${b64({ alg: 'HS256', typ: 'at+jwt', kid: 'es-1' })}.${p}.${s}`],
      ['four segments', `${h}.${p}.${s}.${s}`],
      ['padding', `${h}=.${p}.${s}`],
      ['a JWE', `${h}.${p}.${s}.${s}.${s}`],
    ];
    for (const [name, token] of cases) {
      assert.equal(native(token, NOW), FALL_BACK, name);
    }
  });
});
