import type { JWK } from 'jose';

/**
 * The algorithms Tessera signs with: ES256 (compact, the default for most relying parties), RS256
 * (required by OpenID Connect for ID tokens and understood everywhere) and EdDSA over Ed25519.
 */
export const SIGNING_ALGS = ['ES256', 'RS256', 'EdDSA'] as const;

export type SigningAlg = (typeof SIGNING_ALGS)[number];

export const isSigningAlg = (value: unknown): value is SigningAlg =>
  typeof value === 'string' && (SIGNING_ALGS as readonly string[]).includes(value);

/** A private JWK as oidc-provider takes it: `kid`, `alg` and `use` always set, no Tessera members. */
export type PrivateSigningJwk = JWK & {
  kty: 'EC' | 'RSA' | 'OKP';
  kid: string;
  alg: SigningAlg;
  use: 'sig';
  d: string;
};

/**
 * One signing key with the times that decide its role. Times are epoch seconds, like JWT claims.
 * A key is published from the moment it is in the file, but signs only from `activatesAt`, so
 * every instance and relying party can learn it before the first token it signs.
 */
export type SigningKey = {
  kid: string;
  alg: SigningAlg;
  createdAt: number;
  activatesAt: number;
  jwk: PrivateSigningJwk;
};
