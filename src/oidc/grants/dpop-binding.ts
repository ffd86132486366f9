import { errors, type KoaContextWithOIDC, type Provider } from 'oidc-provider';
import type { Client } from '../../domain/clients/client.ts';
import { DPOP_PROOF_MISSING_DESCRIPTION, verifiedDpopThumbprint } from '../provider-internals.ts';

/**
 * The DPoP key (RFC 9449) a token Tessera's own grants issue is bound to: the thumbprint of the
 * proof's key, checked by the library's code as for its own grants (provider-internals.ts), or
 * undefined for a Bearer token. A client registered with `dpop_bound_access_tokens` gets no token
 * without a proof. An invalid proof is the library's `invalid_dpop_proof` (or `use_dpop_nonce`
 * with a `DPoP-Nonce` header), raised before anything else about the request is looked at.
 */
export const dpopBinding = async (
  provider: Provider,
  ctx: KoaContextWithOIDC,
  registered: Client,
): Promise<string | undefined> => {
  const jkt = await verifiedDpopThumbprint(provider, ctx, registered.clientId);
  if (jkt === undefined && registered.dpopBoundAccessTokens) {
    throw new errors.InvalidDpopProof(DPOP_PROOF_MISSING_DESCRIPTION);
  }
  return jkt;
};

/** RFC 9449 §5: a bound token's `token_type` is `DPoP`, an unbound one's `Bearer`. */
export const tokenTypeFor = (jkt: string | undefined): 'DPoP' | 'Bearer' => (jkt ? 'DPoP' : 'Bearer');
