import { crc32 } from 'node:zlib';

/**
 * Personal and resource access tokens are self-describing, as GitHub's are, so secret scanners can
 * find leaked ones and a typo is caught without a lookup:
 *
 *   tsr_pat_<43 base62 chars: 32 random bytes><6 base62 chars: CRC32 of everything before>
 *
 * This module is shared by the server (which mints tokens) and `@tessera/verify` (which checks them
 * before calling introspection), so it depends on `node:*` only.
 */
export const TOKEN_PREFIXES = { personal: 'tsr_pat_', resource: 'tsr_rat_' } as const;
export type TokenKind = keyof typeof TOKEN_PREFIXES;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 43; // ceil(256 / log2(62))
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
const SHAPE = /^tsr_(pat|rat)_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;

export const toBase62 = (value: bigint, length: number): string => {
  let rest = value;
  let out = '';
  while (rest > 0n) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(length, '0');
};

const checksum = (body: string): string => toBase62(BigInt(crc32(body)), CHECKSUM_LENGTH);

/** Formats 32 random bytes as a token of the given kind. */
export const formatToken = (kind: TokenKind, random: Uint8Array): string => {
  if (random.length !== 32) throw new TypeError('a token needs exactly 32 random bytes');
  const body = `${TOKEN_PREFIXES[kind]}${toBase62(BigInt(`0x${Buffer.from(random).toString('hex')}`), RANDOM_LENGTH)}`;
  return `${body}${checksum(body)}`;
};

/** The token's kind when its prefix, shape and checksum are right; undefined for anything else. */
export const parseToken = (value: string): TokenKind | undefined => {
  const match = SHAPE.exec(value);
  if (!match) return undefined;
  const body = value.slice(0, -CHECKSUM_LENGTH);
  if (checksum(body) !== match[3]) return undefined;
  return match[1] === 'pat' ? 'personal' : 'resource';
};

/** True when a string claims to be a Tessera PAT or RAT (whatever its checksum). */
export const looksLikeTesseraToken = (value: string): boolean => value.startsWith('tsr_');

/** What lists may show of a token: its prefix and last four characters, e.g. `tsr_pat_…a1b2`. */
export const displayHint = (token: string): string => `${token.slice(0, 8)}…${token.slice(-4)}`;
