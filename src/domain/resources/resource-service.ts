import { conflict, forbidden, invalidInput, notFound } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { ResourceRow } from '../../storage/tables/resources.ts';
import type { ResourceRef } from '@tessera/verify';
import { type Actor, actorScopes } from '../actors.ts';
import { displayName } from '../api-resources/api-resource.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { auditTokenChange } from '../access-tokens/access-token-audit.ts';
import type { AccessTokenDeps } from '../access-tokens/access-token-deps.ts';
import { afterRevocationCommit, revocationsOf } from '../access-tokens/token-entry-writes.ts';
import type { Policy } from '../permissions/policy.ts';
import type { Permissions } from '../permissions/subject-permissions.ts';
import { parseInput } from '../validation.ts';
import type { MemberView, ResourceService, ResourceView } from './resource.ts';
import { recordTokenRevoked } from '../events/token-events.ts';

/**
 * The platform's resource tree and who holds which role where. The platform is the source of
 * truth and pushes changes here (scope resources:write); Tessera keeps ids, names and parent
 * links — never content — to compute what tokens may do.
 */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const viewOf = (row: ResourceRow): ResourceView => ({
  type: row.type,
  id: row.id,
  name: row.name,
  parent: row.parentType && row.parentId ? { type: row.parentType, id: row.parentId } : null,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export const createResourceService = (deps: {
  repositories: Repositories;
  policy: Policy;
  permissions: Permissions;
  now?: () => Date;
  /** The cascade of a deletion to its resource access tokens is a revocation like any other. */
  tokenRevocations: Pick<AccessTokenDeps, 'entries' | 'revocations' | 'onBackgroundError'>;
}): ResourceService => {
  const { repositories, policy, permissions } = deps;
  const now = deps.now ?? (() => new Date());

  const requireSync = (actor: Actor) => {
    const scopes = actorScopes(actor);
    if (!scopes.includes('resources:write') && !scopes.includes('admin')) {
      throw forbidden('syncing resources needs the scope resources:write');
    }
  };

  const checkRef = (ref: ResourceRef, field = 'type') => {
    if (!policy.isResourceType(ref.type)) {
      throw invalidInput(
        `unknown resource type ${ref.type}; known: ${policy.resourceTypes.join(', ')}`,
        field,
      );
    }
    if (!ID.test(ref.id)) {
      throw invalidInput('resource ids are 1-128 letters, digits, dots, colons, dashes or underscores', 'id');
    }
  };

  const findOrFail = async (ref: ResourceRef) => {
    const row = await repositories.resources.find(ref.type, ref.id);
    if (!row) throw notFound(`no resource ${ref.type}/${ref.id}`);
    return row;
  };

  return {
    async put(actor, ref, input) {
      requireSync(actor);
      checkRef(ref);
      const name = parseInput(displayName, input.name, 'name');
      const parent = input.parent;
      if (parent) checkRef(parent, 'parent');
      if (!policy.mayNest(ref.type, parent?.type)) {
        throw invalidInput(
          parent
            ? `a resource of type ${ref.type} cannot sit under ${parent.type}`
            : `a resource of type ${ref.type} needs a parent`,
          'parent',
        );
      }
      return repositories.transaction(async (tx) => {
        if (parent) {
          if (!(await tx.resources.find(parent.type, parent.id))) {
            throw invalidInput(`parent ${parent.type}/${parent.id} does not exist; put it first`, 'parent');
          }
          if (await tx.resources.wouldCreateCycle(ref.type, ref.id, parent.type, parent.id)) {
            throw conflict(
              `${parent.type}/${parent.id} is ${ref.type}/${ref.id} or one of its sub-resources`,
              'parent',
            );
          }
        }
        const { row, created } = await tx.resources.upsert({
          type: ref.type,
          id: ref.id,
          name,
          parentType: parent?.type ?? null,
          parentId: parent?.id ?? null,
        });
        await recordAudit(tx, actor, {
          action: created ? 'resource.create' : 'resource.update',
          target: { type: 'resource', id: `${ref.type}/${ref.id}` },
          details: { name, parent: parent ? `${parent.type}/${parent.id}` : null },
        });
        // A moved resource changes what inherited memberships reach.
        if (!created) await permissions.changed('*');
        return { resource: viewOf(row), created };
      });
    },

    async get(actor, ref) {
      requireSync(actor);
      return viewOf(await findOrFail(ref));
    },

    async remove(actor, ref) {
      requireSync(actor);
      await findOrFail(ref);
      const at = now();
      const revoked = await repositories.transaction(async (tx) => {
        if ((await tx.resources.listChildren(ref.type, ref.id)).length > 0) {
          throw conflict(`${ref.type}/${ref.id} has sub-resources; delete them first`);
        }
        // Its resource access tokens die with it (recorded and audited as revocations each);
        // memberships go by cascade.
        const tokens = await tx.accessTokens.revokeOfResource(ref.type, ref.id, {
          revokedAt: at,
          revokedBy: actor.id,
        });
        for (const token of tokens) {
          await tx.subjects.setDisabled(token.subjectId, at);
          await auditTokenChange(tx, actor, 'access_token.revoke', token, { cascade: 'resource.delete' });
          await recordTokenRevoked(tx, actor, token, 'resource_deleted', at);
        }
        await deps.tokenRevocations.revocations.record(
          tx,
          tokens.flatMap((token) => revocationsOf(token, at, 'revoked')),
        );
        await tx.resources.delete(ref.type, ref.id);
        await recordAudit(tx, actor, {
          action: 'resource.delete',
          target: { type: 'resource', id: `${ref.type}/${ref.id}` },
          details: { revokedTokens: tokens.map((token) => token.id) },
        });
        return tokens;
      });
      await afterRevocationCommit(
        deps.tokenRevocations,
        revoked,
        revoked.flatMap((token) => revocationsOf(token, at, 'revoked')),
        at,
      );
      await permissions.changed('*');
    },

    async putMember(actor, ref, subjectId, role) {
      requireSync(actor);
      if (typeof role !== 'string' || !policy.isRole(role)) {
        throw invalidInput(`role must be one of ${policy.roles.join(', ')}`, 'role');
      }
      await findOrFail(ref);
      const subject = await repositories.subjects.findById(subjectId);
      if (!subject) throw notFound(`no subject ${subjectId}`);
      // A bot exists for one resource access token: its role there may change, it joins nothing else.
      if (subject.kind === 'bot' && (subject.resourceType !== ref.type || subject.resourceId !== ref.id)) {
        throw conflict(
          `${subjectId} is the bot of a token on ${subject.resourceType}/${subject.resourceId}; it cannot join other resources`,
        );
      }
      if (subject.kind === 'bot' && subject.disabledAt)
        throw conflict(`${subjectId} belongs to a revoked token`);
      const result = await repositories.transaction(async (tx) => {
        const { row, created } = await tx.memberships.upsert({
          subjectId,
          resourceType: ref.type,
          resourceId: ref.id,
          role,
        });
        await recordAudit(tx, actor, {
          action: created ? 'membership.create' : 'membership.update',
          target: { type: 'membership', id: `${ref.type}/${ref.id}/${subjectId}` },
          details: { role },
        });
        return {
          member: {
            subjectId,
            subjectKind: subject.kind,
            username: subject.username,
            role: row.role,
            createdAt: row.createdAt,
            updatedAt: row.updatedAt,
          } satisfies MemberView,
          created,
        };
      });
      await permissions.changed(subjectId);
      return result;
    },

    async removeMember(actor, ref, subjectId) {
      requireSync(actor);
      await findOrFail(ref);
      const removed = await repositories.transaction(async (tx) => {
        const deleted = await tx.memberships.delete(subjectId, ref.type, ref.id);
        if (deleted) {
          await recordAudit(tx, actor, {
            action: 'membership.delete',
            target: { type: 'membership', id: `${ref.type}/${ref.id}/${subjectId}` },
          });
        }
        return deleted;
      });
      if (!removed) throw notFound(`${subjectId} is not a member of ${ref.type}/${ref.id}`);
      await permissions.changed(subjectId);
    },

    async listMembers(actor, ref) {
      requireSync(actor);
      await findOrFail(ref);
      return (await repositories.memberships.listMembers(ref.type, ref.id)).map((row) => ({
        subjectId: row.subjectId,
        subjectKind: row.subjectKind,
        username: row.username,
        role: row.role,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
      }));
    },

    async listMine(actor) {
      if (actor.kind !== 'user' && actor.kind !== 'bot')
        throw forbidden('only people and bots are members of resources');
      const permissionsOf = await permissions.of(actor.id);
      if (!permissionsOf) return [];
      if (permissionsOf.subject.kind === 'user' && permissionsOf.subject.isAdmin) {
        const role = policy.roles[0] as string;
        return (await repositories.resources.listAll()).map((row) => ({
          ...viewOf(row),
          role,
          inheritedFrom: null,
          grantedBy: 'admin' as const,
        }));
      }
      const keyOf = (ref: ResourceRef) => `${ref.type}/${ref.id}`;
      const direct = new Map(
        permissionsOf.memberships.map((m) => [keyOf({ type: m.resourceType, id: m.resourceId }), m.role]),
      );
      const roots = permissionsOf.memberships.map((m) => ({ type: m.resourceType, id: m.resourceId }));
      const rows = new Map<string, ResourceRow>();
      for (const row of [
        ...(await repositories.resources.listByKeys(roots)),
        ...(await repositories.resources.listDescendants(roots)),
      ]) {
        rows.set(keyOf(row), row);
      }
      // The role on a resource is the highest membership on it or on one of its ancestors.
      const roleOf = (row: ResourceRow) => {
        let best: { role: string; from: ResourceRow } | undefined;
        const seen = new Set<string>();
        for (let node: ResourceRow | undefined = row; node && !seen.has(keyOf(node));) {
          seen.add(keyOf(node));
          const role = direct.get(keyOf(node));
          if (role && (!best || policy.roleRank(role) > policy.roleRank(best.role)))
            best = { role, from: node };
          node =
            node.parentType && node.parentId
              ? rows.get(keyOf({ type: node.parentType, id: node.parentId }))
              : undefined;
        }
        return best;
      };
      return [...rows.values()].flatMap((row) => {
        const held = roleOf(row);
        if (!held) return [];
        return [
          {
            ...viewOf(row),
            role: held.role,
            inheritedFrom: held.from === row ? null : { type: held.from.type, id: held.from.id },
            grantedBy: 'membership' as const,
          },
        ];
      });
    },
  };
};
