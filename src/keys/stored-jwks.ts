import {
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { AppError } from '../errors.ts';
import { jwkThumbprint } from './jwk-thumbprint.ts';
import { isSigningAlg, SIGNING_ALGS, type SigningAlg, type SigningKey } from './signing-key.ts';

/**
 * The stored form of the keys: a private JWKS whose keys carry two Tessera members, so the file is
 * still a JWKS any JOSE tool can read. Loading refuses anything Tessera could not sign with safely,
 * naming the source and the key, because a half-understood key file is worse than none.
 */
export const CREATED_AT_MEMBER = 'tessera_created_at';
export const ACTIVATES_AT_MEMBER = 'tessera_activates_at';

export const keysUnavailable = (message: string, cause?: unknown): AppError =>
  new AppError('keys_unavailable', message, { cause });

const KEY_SHAPES = {
  ES256: { kty: 'EC', crv: 'P-256', privateMembers: ['d'], publicMembers: ['x', 'y'] },
  RS256: {
    kty: 'RSA',
    crv: undefined,
    privateMembers: ['d', 'p', 'q', 'dp', 'dq', 'qi'],
    publicMembers: ['n', 'e'],
  },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', privateMembers: ['d'], publicMembers: ['x'] },
} as const;

const MIN_RSA_BITS = 2048;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const epochSeconds = (value: unknown, fail: (message: string) => never, member: string): number => {
  // Keys made by other tools have no Tessera members: they count as active since the epoch.
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(`${member} must be a whole number of seconds since the epoch`);
  }
  return value as number;
};

const importPrivateKey = (jwk: Record<string, unknown>, fail: (message: string) => never): KeyObject => {
  try {
    return createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (error) {
    return fail(`is not a usable private key (${(error as Error).message})`);
  }
};

const signsVerifiably = (privateKey: KeyObject, jwk: Record<string, unknown>, alg: SigningAlg): boolean => {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  const digest = alg === 'EdDSA' ? null : 'sha256';
  const probe = Buffer.from('tessera key check');
  try {
    const publicKey = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' });
    return verify(digest, probe, publicKey, sign(digest, probe, privateKey));
  } catch {
    return false;
  }
};

const parseKey = (raw: unknown, index: number, source: string): SigningKey => {
  const label =
    isRecord(raw) && typeof raw.kid === 'string' ? `keys[${index}] (kid ${raw.kid})` : `keys[${index}]`;
  const fail = (message: string): never => {
    throw keysUnavailable(`${source}: ${label} ${message}`);
  };
  if (!isRecord(raw)) return fail('is not a JSON object');

  const { [CREATED_AT_MEMBER]: createdAtMember, [ACTIVATES_AT_MEMBER]: activatesAtMember, ...jwk } = raw;
  if (jwk.alg === undefined) return fail(`has no "alg"; Tessera signs with ${SIGNING_ALGS.join(', ')}`);
  if (!isSigningAlg(jwk.alg)) {
    return fail(
      `has unsupported alg ${JSON.stringify(jwk.alg)}; Tessera signs with ${SIGNING_ALGS.join(', ')}`,
    );
  }
  const alg = jwk.alg;
  if (jwk.use !== undefined && jwk.use !== 'sig')
    fail(`has use ${JSON.stringify(jwk.use)}; signing keys need "sig"`);
  const shape = KEY_SHAPES[alg];
  if (jwk.kty !== shape.kty || (shape.crv !== undefined && jwk.crv !== shape.crv)) {
    fail(
      `is a ${String(jwk.kty)}${jwk.crv ? `/${String(jwk.crv)}` : ''} key, but ${alg} needs ${shape.kty}${shape.crv ? `/${shape.crv}` : ''}`,
    );
  }
  if (jwk.d === undefined) {
    fail('is a public key only (no private member "d"): the key file must hold the private keys');
  }
  const missing = [...shape.privateMembers, ...shape.publicMembers].filter(
    (member) => typeof jwk[member] !== 'string',
  );
  if (missing.length > 0) fail(`lacks the member(s) ${missing.join(', ')}`);

  const privateKey = importPrivateKey(jwk, fail);
  if (alg === 'RS256' && (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    fail(`is an RSA key shorter than ${MIN_RSA_BITS} bits`);
  }
  // A key whose public half does not belong to its private half would sign tokens nobody can
  // verify; a trial signature is the one check that holds for every key type.
  if (!signsVerifiably(privateKey, jwk, alg)) fail('has public members that do not match its private key');

  const kty = shape.kty;
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === ''))
    fail('has a "kid" that is not a non-empty string');
  const kid = typeof jwk.kid === 'string' ? jwk.kid : jwkThumbprint({ ...jwk, kty });
  return {
    kid,
    alg,
    createdAt: epochSeconds(createdAtMember, fail, CREATED_AT_MEMBER),
    activatesAt: epochSeconds(activatesAtMember, fail, ACTIVATES_AT_MEMBER),
    jwk: { ...jwk, kty, kid, alg, use: 'sig', d: jwk.d as string },
  };
};

/** Validates a parsed private JWKS; `source` (a file path or a variable name) starts every message. */
export const parseStoredJwks = (value: unknown, source: string): SigningKey[] => {
  if (!isRecord(value) || !Array.isArray(value.keys)) {
    throw keysUnavailable(`${source} is not a JWKS: expected {"keys":[…]}`);
  }
  if (value.keys.length === 0) throw keysUnavailable(`${source} holds no keys`);
  const keys = value.keys.map((raw, index) => parseKey(raw, index, source));
  const seen = new Map<string, number>();
  keys.forEach((key, index) => {
    const first = seen.get(key.kid);
    if (first !== undefined) {
      throw keysUnavailable(`${source}: keys[${first}] and keys[${index}] have the same kid ${key.kid}`);
    }
    seen.set(key.kid, index);
  });
  return keys;
};

/** The stored form of `keys`: the private JWKS with the Tessera members put back. */
export const formatStoredJwks = (keys: readonly SigningKey[]): JSONWebKeySet => ({
  keys: keys.map((key) => ({
    ...key.jwk,
    [CREATED_AT_MEMBER]: key.createdAt,
    [ACTIVATES_AT_MEMBER]: key.activatesAt,
  })),
});

/** Keys given as `TESSERA_JWKS` (already JSON-parsed by the configuration), checked like the file. */
export const keysFromJwks = (jwks: unknown): SigningKey[] => parseStoredJwks(jwks, 'TESSERA_JWKS');
