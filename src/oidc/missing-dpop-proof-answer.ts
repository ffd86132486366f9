import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import { DPOP_PROOF_MISSING_DESCRIPTION } from './provider-internals.ts';

/**
 * A client registered with `dpop_bound_access_tokens` (RFC 9449 §5.2) that sends no proof is
 * refused by every grant. Tessera's own grants (grants/dpop-binding.ts) say `invalid_dpop_proof`,
 * RFC 9449's error for a proof that is missing or wrong; the library's grants raise an
 * `invalid_grant` whose body says only "grant request is invalid" (the reason is in the error's
 * `error_detail`, which never reaches the client). The library emits `grant.error` right after it
 * has rendered that body, with the error itself: the one place that can tell this refusal from
 * other `invalid_grant`s, and give it the same answer as Tessera's grants.
 */
export const answerMissingDpopProofs = (provider: Provider): void => {
  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: { error?: string; error_detail?: string }) => {
    const body = ctx.body as { error?: string; error_description?: string } | undefined;
    if (
      error.error === 'invalid_grant' &&
      error.error_detail === DPOP_PROOF_MISSING_DESCRIPTION &&
      body?.error === 'invalid_grant'
    ) {
      body.error = 'invalid_dpop_proof';
      body.error_description = DPOP_PROOF_MISSING_DESCRIPTION;
    }
  });
};
