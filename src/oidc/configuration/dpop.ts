import { hkdfSync } from 'node:crypto';

/**
 * DPoP (RFC 9449), the provider's `features.dPoP`: every grant binds its access token — and a
 * public client's refresh token — to the key of the proof the token request carries.
 *
 * Server nonces (RFC 9449 §8) are HMACs the library derives from `nonceSecret`, so every instance
 * must hold the same secret: it is derived from the first cookie key (TESSERA_COOKIE_KEYS), which
 * all instances share already. A rotated cookie key only makes outstanding nonces stale, and a
 * client is then told the next one (`use_dpop_nonce` with a `DPoP-Nonce` header). HKDF with its
 * own label keeps the nonce key independent of the cookies' signatures.
 *
 * `requireNonce`: on, a proof must carry a nonce Tessera issued (a proof made in advance by a
 * stolen key is worthless); off, a fresh `iat` suffices and a nonce is asked for only when the
 * clocks disagree.
 */
export const DPOP_NONCE_LABEL = 'tessera dpop nonce v1';

export const dpopNonceSecret = (cookieKey: string): Buffer =>
  Buffer.from(hkdfSync('sha256', cookieKey, Buffer.alloc(0), DPOP_NONCE_LABEL, 32));

export const dpopFeature = (deps: { cookieKeys: readonly string[]; requireNonce: boolean }) => {
  const [cookieKey] = deps.cookieKeys;
  if (cookieKey === undefined) throw new Error('DPoP nonces need a cookie key to derive their secret from');
  return {
    enabled: true,
    nonceSecret: dpopNonceSecret(cookieKey),
    requireNonce: () => deps.requireNonce,
  };
};
