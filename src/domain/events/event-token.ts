import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { EventToken } from './event-types.ts';

/** The `token` part of an event payload, from what each revocation path has at hand. */

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** A PAT or RAT, from its record. */
export const eventTokenOfRow = (row: AccessTokenRow): EventToken => ({
  id: row.id,
  kind: row.kind,
  jti: null,
  subject: row.subjectId,
  client: null,
  audience: row.audience,
  exp: row.expiresAt ? seconds(row.expiresAt) : null,
  name: row.name,
  resource: row.resourceType ? `${row.resourceType}/${row.resourceId}` : null,
});

/** A JWT access token, from its verified claims. */
export const eventTokenOfJwt = (claims: {
  jti: string;
  sub?: string | undefined;
  client_id: string;
  aud: string | string[];
  exp: number;
}): EventToken => ({
  id: claims.jti,
  kind: 'jwt',
  jti: claims.jti,
  subject: typeof claims.sub === 'string' ? claims.sub : null,
  client: claims.client_id,
  audience: Array.isArray(claims.aud) ? claims.aud : [claims.aud],
  exp: claims.exp,
});

/** An opaque token of the OAuth token store, named by its hashed id (never the token). */
export const eventTokenOfOpaque = (token: {
  key: string;
  subject?: string | undefined;
  clientId?: string | undefined;
  audience?: string | string[] | undefined;
  exp?: number | undefined;
}): EventToken => ({
  id: token.key,
  kind: 'opaque',
  jti: null,
  subject: token.subject ?? null,
  client: token.clientId ?? null,
  audience:
    token.audience === undefined ? [] : Array.isArray(token.audience) ? token.audience : [token.audience],
  exp: token.exp ?? null,
});
