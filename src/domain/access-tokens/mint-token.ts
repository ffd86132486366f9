import { randomBytes } from 'node:crypto';
import type { PepperHash } from '../../crypto/pepper-hash.ts';
import { displayHint, formatToken, type TokenKind } from '@tessera/verify/token-format';

/** A new token string (256 random bits), the hash that is stored instead of it, and its display hint. */
export const mintToken = (kind: TokenKind, tokenHash: PepperHash) => {
  const token = formatToken(kind, randomBytes(32));
  return { token, tokenHash: tokenHash.digest(token), displayHint: displayHint(token) };
};
