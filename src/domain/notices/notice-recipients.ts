import type { Repositories } from '../../storage/repositories.ts';
import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { EventRecipient } from '../events/event-types.ts';

/** Roles whose holders hear about a resource's tokens (on the resource or any ancestor). */
const RESOURCE_CARETAKERS = new Set(['owner', 'maintainer']);

/**
 * Who a notice about `token` is for: a PAT's owner; a RAT's resource's maintainers and owners,
 * including those who hold the role on an ancestor (it applies below). People only, never bots,
 * and never a disabled user.
 */
export const noticeRecipients = async (
  repositories: Repositories,
  token: AccessTokenRow,
): Promise<EventRecipient[]> => {
  let subjectIds: string[];
  if (token.kind === 'personal' || !token.resourceType || !token.resourceId) {
    subjectIds = [token.subjectId];
  } else {
    const chain = [
      { type: token.resourceType, id: token.resourceId },
      ...(await repositories.resources.findAncestors(token.resourceType, token.resourceId)),
    ];
    const ids = new Set<string>();
    for (const resource of chain) {
      for (const member of await repositories.memberships.listMembers(resource.type, resource.id)) {
        if (member.subjectKind === 'user' && RESOURCE_CARETAKERS.has(member.role)) ids.add(member.subjectId);
      }
    }
    subjectIds = [...ids].sort();
  }
  const recipients: EventRecipient[] = [];
  for (const id of subjectIds) {
    const subject = await repositories.subjects.findById(id);
    if (subject && subject.kind === 'user' && !subject.disabledAt) {
      recipients.push({ subject: subject.id, username: subject.username, email: subject.email });
    }
  }
  return recipients;
};
