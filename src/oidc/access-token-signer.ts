import { createPrivateKey, type KeyObject, sign as signWithKey } from 'node:crypto';
import type { JSONWebKeySet, JWK, JWTPayload } from 'jose';
import { derToP1363 } from '../crypto/ecdsa-signature.ts';

/**
 * Signs JWT access tokens (RFC 9068) that Tessera mints itself: client_credentials tokens for a
 * JWT API (src/oidc/grants/client-credentials.ts, the hot path) and the token exchange grant. It
 * picks keys exactly as oidc-provider's keystore does, from the same private JWKS
 * (src/keys/key-ring.ts toProviderJwks): the first key of the algorithm that may sign, so a
 * pending or previous key (`key_ops: ["verify"]`) never signs and a rotation reaches both signers
 * at the same moment.
 *
 * Why not jose: jose signs through WebCrypto, asynchronously, on libuv's threadpool — per core it
 * is half the speed of `node:crypto`'s synchronous `sign` with a `KeyObject` (issue 16), and the
 * hop to the pool and back costs the event loop as much again. Every algorithm a Tessera key can
 * have (ES256, RS256, EdDSA over Ed25519, src/keys/signing-key.ts) is signed natively here; the
 * output is the same compact JWS jose produces (header `{"alg","typ":"at+jwt","kid"}` in that
 * order, base64url without padding, ES256 signatures in the IEEE P1363 r‖s form of RFC 7518 §3.4).
 */
export type AccessTokenSigner = {
  /** A compact JWS with `typ: at+jwt` and the key's `kid`; synchronous. */
  sign(alg: string, claims: JWTPayload): string;
};

/**
 * How `node:crypto` signs each JWS algorithm Tessera's keys can have. ES256 signatures come out of
 * OpenSSL in DER and are turned into JWS's 32 + 32 bytes here (crypto/ecdsa-signature.ts says why
 * not by `dsaEncoding`).
 */
const NATIVE: Record<string, { digest: string | null; p1363Size?: number }> = {
  ES256: { digest: 'sha256', p1363Size: 32 },
  RS256: { digest: 'sha256' },
  // Ed25519 hashes internally: no digest.
  EdDSA: { digest: null },
};

type PreparedKey = {
  /** base64url(header) + '.', encoded once per key. */
  headerSegment: string;
  digest: string | null;
  key: KeyObject;
  p1363Size: number | undefined;
};

const maySign = (jwk: JWK, alg: string): boolean =>
  jwk.alg === alg &&
  typeof jwk.d === 'string' &&
  (jwk.use === undefined || jwk.use === 'sig') &&
  (!Array.isArray(jwk.key_ops) || jwk.key_ops.includes('sign'));

const prepare = (jwks: JSONWebKeySet, alg: string): PreparedKey => {
  const native = NATIVE[alg];
  if (!native) throw new Error(`${alg} is not an algorithm Tessera signs access tokens with`);
  const jwk = jwks.keys.find((candidate) => maySign(candidate, alg));
  // The same failure oidc-provider reports for an API whose algorithm has no signing key.
  if (!jwk) throw new Error(`no signing key for ${alg} in the provider's keystore`);
  const { key_ops: _ops, ...signable } = jwk;
  const header = JSON.stringify({ alg, typ: 'at+jwt', kid: jwk.kid });
  return {
    headerSegment: `${Buffer.from(header).toString('base64url')}.`,
    digest: native.digest,
    key: createPrivateKey({ key: signable, format: 'jwk' }),
    p1363Size: native.p1363Size,
  };
};

export const createAccessTokenSigner = (jwks: JSONWebKeySet): AccessTokenSigner => {
  // The provider (and with it this signer) is rebuilt whenever the keys change, so the prepared
  // keys can be kept for its lifetime.
  const prepared = new Map<string, PreparedKey>();

  return {
    sign(alg, claims) {
      let key = prepared.get(alg);
      if (!key) {
        key = prepare(jwks, alg);
        prepared.set(alg, key);
      }
      // Base64url output is ASCII: latin1 is the cheapest exact encoding of the signing input.
      const input = key.headerSegment + Buffer.from(JSON.stringify(claims)).toString('base64url');
      const signature = signWithKey(key.digest, Buffer.from(input, 'latin1'), key.key);
      const encoded = key.p1363Size ? derToP1363(signature, key.p1363Size) : signature;
      return `${input}.${encoded.toString('base64url')}`;
    },
  };
};

/**
 * One signer per private JWKS: the client_credentials grant and the fast lane are handed the
 * same key set object for a provider's lifetime, so they share the prepared keys.
 */
const signers = new WeakMap<JSONWebKeySet, AccessTokenSigner>();

export const accessTokenSignerFor = (jwks: JSONWebKeySet): AccessTokenSigner => {
  let signer = signers.get(jwks);
  if (!signer) {
    signer = createAccessTokenSigner(jwks);
    signers.set(jwks, signer);
  }
  return signer;
};
