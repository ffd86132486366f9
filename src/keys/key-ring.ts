import type { JSONWebKeySet, JWK } from 'jose';
import { SIGNING_ALGS, type SigningKey } from './signing-key.ts';

/**
 * What each key does at a given time, worked out from the key times alone so every instance that
 * reads the same file reaches the same answer. Per algorithm, the newest key whose activation time
 * has come signs; newer ones are pending (published, not signing yet); older ones are previous
 * (published so the tokens they signed still verify).
 */
export type KeyStatus = 'signing' | 'pending' | 'previous';

export type KeyRow = {
  kid: string;
  alg: SigningKey['alg'];
  status: KeyStatus;
  createdAt: number;
  activatesAt: number;
  /** For previous keys: when the next key of the same algorithm took over. */
  stoppedSigningAt?: number;
};

const STATUS_ORDER: readonly KeyStatus[] = ['signing', 'pending', 'previous'];

/** Newest first; ties (keys activating in the same second) broken by creation time, then kid. */
const newestFirst = (a: SigningKey, b: SigningKey): number =>
  b.activatesAt - a.activatesAt || b.createdAt - a.createdAt || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);

/** Every key with its role at `now`, grouped by algorithm, each group newest first. */
export const listKeys = (keys: readonly SigningKey[], now: number): KeyRow[] =>
  SIGNING_ALGS.flatMap((alg) => {
    const group = keys.filter((key) => key.alg === alg).sort(newestFirst);
    const signer = group.findIndex((key) => key.activatesAt <= now);
    return group.map((key, index): KeyRow => {
      const row = { kid: key.kid, alg, createdAt: key.createdAt, activatesAt: key.activatesAt };
      if (signer === -1 || index < signer) return { ...row, status: 'pending' };
      if (index === signer) return { ...row, status: 'signing' };
      // The key just before in the group is the one that replaced this one (pending keys all sort first).
      return { ...row, status: 'previous', stoppedSigningAt: (group[index - 1] as SigningKey).activatesAt };
    });
  });

/** The kids that sign at `now`, one per algorithm that has an active key. */
export const signingKids = (keys: readonly SigningKey[], now: number): string[] =>
  listKeys(keys, now)
    .filter((row) => row.status === 'signing')
    .map((row) => row.kid);

/**
 * The private JWKS for oidc-provider. It signs with the first key matching an algorithm, so each
 * algorithm's signer comes first, then pending, then previous keys. Keys that must not sign also
 * carry `key_ops: ["verify"]`, which oidc-provider honours when it picks a signing key: even an
 * algorithm whose only key is still pending can then never sign early.
 */
export const toProviderJwks = (keys: readonly SigningKey[], now: number): JSONWebKeySet => {
  const byKid = new Map(keys.map((key) => [key.kid, key]));
  const rows = listKeys(keys, now);
  return {
    keys: STATUS_ORDER.flatMap((status) =>
      rows
        .filter((row) => row.status === status)
        .map((row): JWK => {
          const { key_ops: _ops, ...jwk } = (byKid.get(row.kid) as SigningKey).jwk;
          return status === 'signing' ? jwk : { ...jwk, key_ops: ['verify'] };
        }),
    ),
  };
};

/** The members a relying party needs; everything else (private parts, Tessera members) stays home. */
const PUBLIC_MEMBERS = ['kty', 'kid', 'alg', 'use', 'crv', 'x', 'y', 'n', 'e'] as const;

/** Every key's public half: what `/jwks` publishes and what verifies Tessera's tokens. */
export const publicJwks = (keys: readonly SigningKey[]): JSONWebKeySet => ({
  keys: SIGNING_ALGS.flatMap((alg) => keys.filter((key) => key.alg === alg).sort(newestFirst)).map(
    (key) =>
      Object.fromEntries(
        PUBLIC_MEMBERS.filter((member) => key.jwk[member] !== undefined).map((member) => [
          member,
          key.jwk[member],
        ]),
      ) as JWK,
  ),
});

/** The next time a pending key becomes a signer, so a server can rebuild its provider exactly then. */
export const nextChangeAt = (keys: readonly SigningKey[], now: number): number | undefined => {
  const future = keys.map((key) => key.activatesAt).filter((at) => at > now);
  return future.length > 0 ? Math.min(...future) : undefined;
};
