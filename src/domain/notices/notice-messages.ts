import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { NoticeMail } from './notice-mailer.ts';

/** The e-mail words of each notice. Plain text: ids and dates, never the token. */
const describe = (token: AccessTokenRow) =>
  token.kind === 'personal'
    ? `Your personal access token "${token.name}" (${token.id})`
    : `The resource access token "${token.name}" (${token.id}) of ${token.resourceType}/${token.resourceId}`;

const day = (date: Date) => date.toISOString().slice(0, 10);

export const expiringMail = (token: AccessTokenRow, days: number): NoticeMail => ({
  subject: `Tessera: token "${token.name}" expires in ${days} day${days === 1 ? '' : 's'}`,
  text: `${describe(token)} expires on ${token.expiresAt?.toISOString()}.\n\nCreate a new token before then and replace it wherever it is used.\n`,
});

export const expiredMail = (token: AccessTokenRow): NoticeMail => ({
  subject: `Tessera: token "${token.name}" has expired`,
  text: `${describe(token)} expired on ${token.expiresAt?.toISOString()} and no longer works.\n`,
});

export const idleMail = (token: AccessTokenRow, disableAt: Date): NoticeMail => ({
  subject: `Tessera: unused token "${token.name}" will be disabled on ${day(disableAt)}`,
  text: `${describe(token)} has not been used since ${(token.lastUsedAt ?? token.createdAt).toISOString()}.\n\nUnused tokens are disabled; it will be on ${disableAt.toISOString()} unless it is used before then.\n`,
});
