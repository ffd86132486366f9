/**
 * Types for the one oidc-provider module Tessera imports beyond the package's entry point (the
 * package publishes no `exports` map and no types for it); provider-internals.ts is its only user.
 */
declare module 'oidc-provider/lib/helpers/validate_dpop.js' {
  import type { KoaContextWithOIDC, Provider } from 'oidc-provider';

  export type DpopProof = { thumbprint: string; jti: string; iat: number };

  // eslint-disable-next-line no-restricted-exports -- describes the library's module, whose export is a default.
  export default function validateDpop(
    provider: Provider,
    ctx: KoaContextWithOIDC,
    accessToken?: string,
  ): Promise<DpopProof | undefined>;

  export function checkDpopReplay(
    provider: Provider,
    ctx: KoaContextWithOIDC,
    proof: DpopProof | undefined,
    clientId: string,
  ): Promise<void>;
}
