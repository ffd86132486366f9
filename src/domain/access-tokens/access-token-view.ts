import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { AccessTokenView, TokenState } from './access-token.ts';

export const tokenState = (row: AccessTokenRow, now: Date): TokenState =>
  row.revokedAt
    ? 'revoked'
    : row.expiresAt && row.expiresAt.getTime() <= now.getTime()
      ? 'expired'
      : 'active';

export const viewOf = (row: AccessTokenRow, now: Date): AccessTokenView => ({
  id: row.id,
  kind: row.kind,
  name: row.name,
  scopes: row.scopes,
  audience: row.audience,
  state: tokenState(row, now),
  displayHint: row.displayHint,
  createdAt: row.createdAt,
  createdBy: row.createdBy,
  expiresAt: row.expiresAt,
  lastUsedAt: row.lastUsedAt,
  lastUsedIp: row.lastUsedIp,
  rotatedAt: row.rotatedAt,
  revokedAt: row.revokedAt,
  ...(row.kind === 'resource' && row.resourceType && row.resourceId
    ? {
        resource: { type: row.resourceType, id: row.resourceId },
        botId: row.subjectId,
        role: row.role ?? undefined,
      }
    : {}),
});
