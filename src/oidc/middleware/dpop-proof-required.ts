import type { KoaContextWithOIDC } from 'oidc-provider';
import { DPOP_PROOF_MISSING_DESCRIPTION } from '../provider-internals.ts';

/**
 * A client registered with `dpop_bound_access_tokens` (RFC 9449 §5.2) that sends no proof is
 * refused by every grant. The library's grants say `invalid_grant`; Tessera's own grants
 * (grants/dpop-binding.ts) say `invalid_dpop_proof`, RFC 9449's error for a proof that is missing
 * or wrong. This gives the library's refusal the same code, so a client sees one answer whatever
 * the grant.
 */
export const dpopProofRequired = async (
  ctx: KoaContextWithOIDC,
  next: () => Promise<void>,
): Promise<void> => {
  await next();
  const body = ctx.body as { error?: string; error_description?: string } | undefined;
  if (
    ctx.oidc?.route === 'token' &&
    body?.error === 'invalid_grant' &&
    body.error_description === DPOP_PROOF_MISSING_DESCRIPTION
  ) {
    body.error = 'invalid_dpop_proof';
  }
};
