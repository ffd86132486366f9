import { importJWK, type JSONWebKeySet, type JWK, type JWTPayload, SignJWT } from 'jose';

/**
 * Signs JWT access tokens (RFC 9068) that Tessera mints outside oidc-provider's token models — the
 * token exchange grant, whose `sub` and extra claims the library's models cannot carry without a
 * provider-wide claims hook. It picks keys exactly as oidc-provider's keystore does, from the same
 * private JWKS (src/keys/key-ring.ts toProviderJwks): the first key of the algorithm that
 * may sign, so a pending or previous key (`key_ops: ["verify"]`) never signs and a rotation reaches
 * both signers at the same moment.
 */
export type AccessTokenSigner = {
  /** A compact JWS with `typ: at+jwt` and the key's `kid`. */
  sign(alg: string, claims: JWTPayload): Promise<string>;
};

const maySign = (jwk: JWK, alg: string): boolean =>
  jwk.alg === alg &&
  typeof jwk.d === 'string' &&
  (jwk.use === undefined || jwk.use === 'sig') &&
  (!Array.isArray(jwk.key_ops) || jwk.key_ops.includes('sign'));

export const createAccessTokenSigner = (jwks: JSONWebKeySet): AccessTokenSigner => {
  // The provider (and with it this signer) is rebuilt whenever the keys change, so the imports
  // can be kept for its lifetime.
  const imported = new Map<
    string,
    Promise<{ kid: string | undefined; key: Awaited<ReturnType<typeof importJWK>> }>
  >();

  const keyFor = (alg: string) => {
    let entry = imported.get(alg);
    if (!entry) {
      const jwk = jwks.keys.find((candidate) => maySign(candidate, alg));
      // The same failure oidc-provider reports for an API whose algorithm has no signing key.
      if (!jwk) throw new Error(`no signing key for ${alg} in the provider's keystore`);
      const { key_ops: _ops, ...signable } = jwk;
      entry = importJWK(signable, alg).then((key) => ({ kid: jwk.kid, key }));
      imported.set(alg, entry);
    }
    return entry;
  };

  return {
    async sign(alg, claims) {
      const { kid, key } = await keyFor(alg);
      return new SignJWT(claims).setProtectedHeader({ alg, typ: 'at+jwt', kid }).sign(key);
    },
  };
};
