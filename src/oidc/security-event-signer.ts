import { importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';

/**
 * Signs Security Event Tokens (RFC 8417, `typ: secevent+jwt`) with Tessera's signing keys — the
 * same private JWKS as access tokens, so receivers verify them against `/jwks`. The key is the
 * one that signs ES256 access tokens when there is one, else the first key that may sign at all;
 * a pending or previous key (`key_ops: ["verify"]`) never signs.
 */
export type SecurityEventSigner = {
  sign(claims: Record<string, unknown>): Promise<string>;
};

const maySign = (jwk: JWK): boolean =>
  typeof jwk.d === 'string' &&
  typeof jwk.alg === 'string' &&
  (jwk.use === undefined || jwk.use === 'sig') &&
  (!Array.isArray(jwk.key_ops) || jwk.key_ops.includes('sign'));

export const createSecurityEventSigner = (jwks: JSONWebKeySet): SecurityEventSigner => {
  const candidates = jwks.keys.filter(maySign);
  const jwk = candidates.find((key) => key.alg === 'ES256') ?? candidates[0];
  const { key_ops: _ops, ...signable } = jwk ?? {};
  const imported = jwk ? importJWK(signable, jwk.alg) : undefined;
  return {
    async sign(claims) {
      if (!jwk || !imported) throw new Error('no signing key for security event tokens');
      return new SignJWT(claims)
        .setProtectedHeader({
          alg: jwk.alg as string,
          typ: 'secevent+jwt',
          ...(jwk.kid ? { kid: jwk.kid } : {}),
        })
        .sign(await imported);
    },
  };
};
