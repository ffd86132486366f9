import type { ChangeBus } from '../../storage/change-bus.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { MembershipRow } from '../../storage/tables/memberships.ts';
import type { SubjectRow } from '../../storage/tables/subjects.ts';
import type { ResourceRef } from '@tessera/verify';
import { createCachedLookup } from '../../cache/cached-lookup.ts';
import { MANAGEMENT_SCOPES, type Policy } from './policy.ts';

/**
 * What a subject holds: its memberships and, from them and the policy, the scopes it may use.
 * Introspection reads this on every PAT and RAT, so it is cached per subject and dropped when the
 * subject or one of its memberships changes (on any instance, through the change bus) — a lowered
 * role or a removed membership narrows or kills tokens at once.
 */
export const SUBJECTS_TOPIC = 'subjects';

export type SubjectPermissions = { subject: SubjectRow; memberships: MembershipRow[] };

export type Permissions = ReturnType<typeof createPermissions>;

export const createPermissions = (deps: {
  repositories: Repositories;
  policy: Policy;
  changes: ChangeBus;
  cacheTtlMs?: number | undefined;
}) => {
  const { repositories, policy } = deps;
  const cache = createCachedLookup<SubjectPermissions>({
    bus: deps.changes,
    topic: SUBJECTS_TOPIC,
    ttlMs: deps.cacheTtlMs,
    load: async (subjectId) => {
      const subject = await repositories.subjects.findById(subjectId);
      if (!subject) return undefined;
      return { subject, memberships: await repositories.memberships.listOfSubject(subjectId) };
    },
  });

  const isActive = (permissions: SubjectPermissions | undefined): permissions is SubjectPermissions =>
    permissions !== undefined && permissions.subject.disabledAt === null;

  const holdingsOf = (permissions: SubjectPermissions): ReadonlySet<string> => {
    if (!isActive(permissions)) return new Set();
    const { subject, memberships } = permissions;
    if (subject.kind === 'user' && subject.isAdmin) return policy.expand(policy.allScopes);
    const held = new Set<string>(subject.kind === 'user' ? ['tokens:read', 'tokens:write'] : []);
    for (const membership of memberships) {
      for (const scope of policy.allowedByRole(membership.role, membership.resourceType)) held.add(scope);
    }
    return held;
  };
  // Worked out once per cached record: a changed subject or membership loads a new record.
  const computed = new WeakMap<SubjectPermissions, ReadonlySet<string>>();

  /** Every scope the subject may hold anywhere: the ceiling of any token it owns. */
  const holdings = (permissions: SubjectPermissions): ReadonlySet<string> => {
    let held = computed.get(permissions);
    if (!held) {
      held = holdingsOf(permissions);
      computed.set(permissions, held);
    }
    return held;
  };

  return {
    of: (subjectId: string) => cache.get(subjectId),
    isActive,
    holdings,
    /** Tell every instance that a subject's record or memberships changed. */
    changed: (subjectId: string | '*') => deps.changes.publish(SUBJECTS_TOPIC, subjectId),

    /**
     * The subject's role on a resource: the highest of its memberships on the resource and its
     * ancestors (a membership applies to sub-resources). Administrators are owners everywhere.
     */
    async roleOn(permissions: SubjectPermissions, resource: ResourceRef): Promise<string | undefined> {
      if (!isActive(permissions)) return undefined;
      if (permissions.subject.kind === 'user' && permissions.subject.isAdmin) return policy.roles[0];
      const lineage = [resource, ...(await repositories.resources.findAncestors(resource.type, resource.id))];
      const roles = permissions.memberships
        .filter((membership) =>
          lineage.some((node) => node.type === membership.resourceType && node.id === membership.resourceId),
        )
        .map((membership) => membership.role);
      return roles.sort((a, b) => policy.roleRank(b) - policy.roleRank(a))[0];
    },

    /** Scopes a role grants on one resource and below it; management scopes are never among them. */
    grantedOn: (role: string, resourceType: string): ReadonlySet<string> =>
      policy.allowedByRole(role, resourceType),
    managementScopes: MANAGEMENT_SCOPES,
  };
};
