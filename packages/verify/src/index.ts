/**
 * `@tessera/verify`: validate Tessera's bearer tokens in an API. Depends on `jose` and `node:*`
 * only, and keeps no module-level state: every verifier has its own caches.
 */
export { createVerifier, type Verifier, type VerifierOptions } from './verifier.ts';
export { VerifyError, type VerifyErrorCode } from './errors.ts';
export type { Principal, ResourceRef, ResourceTarget, TokenKind } from './principal.ts';
export {
  createRevocationFeed,
  type RevocationFeed,
  type RevocationFeedOptions,
  type RevokedToken,
} from './revocation-feed.ts';
export type { DPoPOptions, DPoPPresentation } from './dpop-binding.ts';
export { createDPoPNonces, type DPoPNonceSource } from './dpop-nonce.ts';
export { createMemoryReplayStore, type DPoPReplayStore } from './dpop-replay.ts';
export {
  protectedResourceMetadata,
  protectedResourceMetadataPath,
  protectedResourceMetadataUrl,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  WELL_KNOWN_PROTECTED_RESOURCE,
} from './protected-resource-metadata.ts';
