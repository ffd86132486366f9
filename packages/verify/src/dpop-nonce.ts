import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * RFC 9449 §9: a resource server may make clients put a nonce it chose in their proofs, which
 * bounds how long a proof made in advance stays usable. A proof without an acceptable nonce is
 * answered `use_dpop_nonce` with the nonce to use in the `DPoP-Nonce` header.
 */
export type DPoPNonceSource = {
  /** The nonce clients should use now. */
  current(): string | Promise<string>;
  /** Whether a proof's nonce is acceptable (the current one, or one just replaced). */
  accepts(nonce: string): boolean | Promise<boolean>;
};

/**
 * Nonces that change every `rotateSeconds` and stay acceptable one period longer: an HMAC of the
 * period's number. Instances given the same `secret` agree on them without sharing any state;
 * without a secret, each verifier draws its own (fine for a single instance).
 */
export const createDPoPNonces = (
  options: { secret?: string | Uint8Array; rotateSeconds?: number; now?: () => number } = {},
): DPoPNonceSource => {
  const rotateMs = (options.rotateSeconds ?? 300) * 1000;
  if (!Number.isFinite(rotateMs) || rotateMs <= 0) throw new TypeError('rotateSeconds must be positive');
  if (typeof options.secret === 'string' && options.secret.length < 16)
    throw new TypeError('secret must be at least 16 characters long');
  const secret = options.secret ?? randomBytes(32);
  const now = options.now ?? Date.now;
  const nonceOf = (period: number): string =>
    createHmac('sha256', secret).update(`dpop-nonce ${period}`).digest('base64url');
  const period = (): number => Math.floor(now() / rotateMs);

  return {
    current: () => nonceOf(period()),
    accepts(nonce) {
      const given = Buffer.from(nonce);
      const current = period();
      return [current, current - 1].some((candidate) => {
        const expected = Buffer.from(nonceOf(candidate));
        return expected.length === given.length && timingSafeEqual(expected, given);
      });
    },
  };
};
