import { z } from 'zod';
import type { MemberView, MyResourceView, ResourceView } from '../../../domain/resources/resource.ts';
import {
  displayNameSchema,
  resourceIdSchema,
  resourceRefSchema,
  resourceTypeSchema,
  roleSchema,
} from './identifiers.ts';
import { timestampSchema, toTimestamp } from './timestamp.ts';

/** The platform's resources and memberships as the API reads and writes them. */

export const putResourceBodySchema = z.strictObject({
  name: displayNameSchema.describe("The resource's display name: 1–100 characters, no control characters."),
  parent: resourceRefSchema.nullable().describe('The parent resource; null for a root.'),
});

export const putMemberBodySchema = z.strictObject({ role: roleSchema });

export const resourceSchema = z
  .object({
    type: resourceTypeSchema,
    id: resourceIdSchema,
    name: z.string(),
    parent: resourceRefSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Resource', description: 'A resource of the platform, as synced to Tessera.' });

export const myResourceSchema = resourceSchema
  .extend({
    role: z.string().describe("The caller's role on the resource: the highest that reaches it."),
    inherited_from: resourceRefSchema
      .nullable()
      .describe(
        'The resource further up whose membership gives the role; null for a membership on this one, and for an administrator.',
      ),
    granted_by: z
      .enum(['membership', 'admin'])
      .describe(
        '`admin`: the caller is an administrator of this Tessera, owner of every resource without a membership.',
      ),
  })
  .meta({
    id: 'MyResource',
    description:
      'A resource the caller holds a role on (as a member, or as an administrator), with the role.',
  });

export const memberSchema = z
  .object({
    subject_id: z.string(),
    subject_kind: z.enum(['user', 'bot']),
    username: z.string().nullable().describe('null for bots.'),
    role: z.string(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Member', description: "A subject's membership of a resource." });

export const presentResource = (view: ResourceView): z.input<typeof resourceSchema> => ({
  type: view.type,
  id: view.id,
  name: view.name,
  parent: view.parent ? { type: view.parent.type, id: view.parent.id } : null,
  created_at: toTimestamp(view.createdAt),
  updated_at: toTimestamp(view.updatedAt),
});

export const presentMyResource = (view: MyResourceView): z.input<typeof myResourceSchema> => ({
  ...presentResource(view),
  role: view.role,
  inherited_from: view.inheritedFrom ? { type: view.inheritedFrom.type, id: view.inheritedFrom.id } : null,
  granted_by: view.grantedBy,
});

export const presentMember = (view: MemberView): z.input<typeof memberSchema> => ({
  subject_id: view.subjectId,
  subject_kind: view.subjectKind,
  username: view.username,
  role: view.role,
  created_at: toTimestamp(view.createdAt),
  updated_at: toTimestamp(view.updatedAt),
});
