import { invalidProof, invalidToken } from './errors.ts';
import type { DPoPNonceSource } from './dpop-nonce.ts';
import { createProofChecker } from './dpop-proof.ts';
import { createMemoryReplayStore, type DPoPReplayStore } from './dpop-replay.ts';
import { ASYMMETRIC_ALGORITHMS } from './jwt.ts';

/**
 * RFC 9449 §7: which tokens must come with a DPoP proof. A token bound to a key (`cnf.jkt`, in its
 * claims or in the introspection answer) is accepted only with `Authorization: DPoP` and a valid
 * proof signed by that key; presented as a bearer token it is refused, since whoever copied it
 * could then use it. A token that is not bound is accepted as a bearer token only, and not at all
 * when the API requires DPoP.
 */
export type DPoPPresentation = {
  /** The request's method. */
  method: string;
  /** The request's full URL as the client addressed it (behind a proxy: the public one). */
  url: string;
  /** The DPoP header's value (undefined when the request has none). */
  proof: string | undefined;
};

export type DPoPOptions = {
  /** Algorithms a proof may be signed with; asymmetric only. Default ES256, ES384, EdDSA, PS256, RS256. */
  algorithms?: readonly string[];
  /** How old a proof's `iat` may be. Default 60. */
  maxAgeSeconds?: number;
  /** Leeway for a proof's `iat`, both ways. Default 5. */
  clockSkewSeconds?: number;
  /**
   * Where used `jti`s are remembered. Default: in memory, for one instance. APIs running several
   * instances give a shared one (e.g. on Redis), see DPoPReplayStore.
   */
  replayStore?: DPoPReplayStore;
  /** Size of the default in-memory replay store. Default 100000. */
  maxReplayEntries?: number;
  /** Makes clients put a server-chosen nonce in their proofs (createDPoPNonces, or your own). */
  nonce?: DPoPNonceSource;
};

export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'];

/** The key a token is bound to: `cnf.jkt` of its claims or of its introspection answer. */
export const boundKeyOf = (claims: Record<string, unknown>): string | undefined => {
  const { cnf } = claims;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const { jkt } = cnf as { jkt?: unknown };
  return typeof jkt === 'string' && jkt !== '' ? jkt : undefined;
};

const nonNegative = (value: number | undefined, fallback: number, name: string): number => {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result < 0) throw new TypeError(`${name} must be a non-negative number`);
  return result;
};

export const createDPoPBinding = (options: DPoPOptions = {}, required: boolean, now: () => number) => {
  const algorithms = [...(options.algorithms ?? DEFAULT_DPOP_ALGORITHMS)];
  if (algorithms.length === 0) throw new TypeError('dpop.algorithms must name at least one algorithm');
  for (const algorithm of algorithms)
    if (!ASYMMETRIC_ALGORITHMS.includes(algorithm))
      throw new TypeError(
        `DPoP algorithm ${algorithm} is not allowed; use asymmetric ones: ${ASYMMETRIC_ALGORITHMS.join(', ')}`,
      );
  const checkProof = createProofChecker({
    algorithms,
    maxAgeMs: nonNegative(options.maxAgeSeconds, 60, 'dpop.maxAgeSeconds') * 1000,
    clockSkewMs: nonNegative(options.clockSkewSeconds, 5, 'dpop.clockSkewSeconds') * 1000,
    replayStore:
      options.replayStore ??
      createMemoryReplayStore({ maxEntries: options.maxReplayEntries ?? 100_000, now }),
    nonce: options.nonce,
    now,
  });

  return {
    algorithms: algorithms as readonly string[],
    required,
    /** Throws unless the token is presented the way its binding (or the API) asks. */
    async enforce(
      token: string,
      claims: Record<string, unknown>,
      presentation: DPoPPresentation | undefined,
    ): Promise<void> {
      const jkt = boundKeyOf(claims);
      const dpopType = typeof claims.token_type === 'string' && claims.token_type.toLowerCase() === 'dpop';
      if (dpopType && !jkt) throw invalidToken('the token is a DPoP token but names no key (cnf.jkt)');
      if (!presentation) {
        if (jkt)
          throw invalidToken(
            'the token is bound to a DPoP key: present it with Authorization: DPoP and a DPoP proof',
          );
        if (required) throw invalidToken('this API accepts DPoP-bound tokens only');
        return;
      }
      if (!jkt)
        throw invalidToken('the token is not bound to a DPoP key: present it with Authorization: Bearer');
      if (presentation.proof === undefined) throw invalidProof('the request has no DPoP header');
      await checkProof({ ...presentation, accessToken: token, jkt });
    },
  };
};

export type DPoPBinding = ReturnType<typeof createDPoPBinding>;
