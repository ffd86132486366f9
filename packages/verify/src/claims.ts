import { invalidToken } from './errors.ts';
import type { PrincipalFields, ResourceRef, TokenKind } from './principal.ts';

/**
 * Turns a JWT's claims or an introspection answer (they share RFC 7662 / RFC 9068 names plus
 * Tessera's `token_id`, `token_kind`, `resource` and `role`) into a principal's fields.
 */
const TOKEN_KINDS: readonly string[] = ['client', 'personal', 'resource'];

export const audiencesOf = (aud: unknown): string[] | undefined =>
  typeof aud === 'string'
    ? [aud]
    : Array.isArray(aud)
      ? aud.filter((value): value is string => typeof value === 'string')
      : undefined;

export const scopesOf = (scope: unknown): string[] =>
  typeof scope === 'string' ? [...new Set(scope.split(' ').filter((part) => part !== ''))] : [];

const resourceOf = (value: unknown): ResourceRef | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, id } = value as Record<string, unknown>;
  return typeof type === 'string' && (typeof id === 'string' || typeof id === 'number')
    ? { type, id: String(id) }
    : undefined;
};

export const principalFields = (claims: Record<string, unknown>, localKind?: TokenKind): PrincipalFields => {
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : undefined;
  // RFC 7662 makes `sub` optional; a client credentials token speaks for its client.
  const subject = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : clientId;
  if (!subject) throw invalidToken('the token names no subject');

  const claimedKind =
    typeof claims.token_kind === 'string' && TOKEN_KINDS.includes(claims.token_kind)
      ? (claims.token_kind as TokenKind)
      : undefined;
  // The string's own prefix (tsr_pat_/tsr_rat_) and Tessera's answer must agree.
  if (localKind && claimedKind && localKind !== claimedKind)
    throw invalidToken(
      `the token looks like a ${localKind} token but Tessera says it is a ${claimedKind} token`,
    );
  const kind = localKind ?? claimedKind ?? 'client';

  const resource = resourceOf(claims.resource);
  if (kind === 'resource' && !resource) throw invalidToken('the resource access token names no resource');
  if (claims.exp !== undefined && typeof claims.exp !== 'number')
    throw invalidToken('the token has a malformed exp');

  return {
    subject,
    ...(clientId ? { clientId } : {}),
    scopes: scopesOf(claims.scope),
    ...(typeof claims.token_id === 'string' ? { tokenId: claims.token_id } : {}),
    kind,
    ...(kind === 'resource' && resource ? { resource } : {}),
    ...(typeof claims.role === 'string' ? { role: claims.role } : {}),
    ...(typeof claims.exp === 'number' ? { expiresAt: new Date(claims.exp * 1000) } : {}),
    claims,
  };
};
