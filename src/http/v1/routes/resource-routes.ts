import { z } from 'zod';
import type { ResourceService } from '../../../domain/resources/resource.ts';
import { apiUrl } from '../api-url.ts';
import { defineRoute, type Route } from '../define-route.ts';
import { resourceIdSchema, resourceTypeSchema, subjectIdSchema } from '../schemas/identifiers.ts';
import {
  memberSchema,
  presentMember,
  presentResource,
  putMemberBodySchema,
  putResourceBodySchema,
  resourceSchema,
} from '../schemas/resource-json.ts';

const TAGS = ['Resources'];
/** The platform syncs its tree with this scope; reading members is part of syncing, so it needs it too. */
const SYNC = { scopes: ['resources:write'] } as const;
const onResource = z.strictObject({ type: resourceTypeSchema, id: resourceIdSchema });
const onMember = onResource.extend({ subjectId: subjectIdSchema });
const notFound = { description: 'No such resource.' };

/** A PUT that created what it names answers 201 with its Location; one that changed it, 200. */
const putAnswer = <B>(created: boolean, body: B, location: string) =>
  created ? { status: 201 as const, body, headers: { Location: location } } : { status: 200 as const, body };

/** The platform's resources and memberships, put and deleted by id so a sync can be replayed. */
export const createResourceRoutes = (deps: { resources: ResourceService; issuer: string }): Route[] => {
  const { resources, issuer } = deps;
  return [
    defineRoute({
      method: 'PUT',
      path: '/resources/:type/:id',
      operationId: 'putResource',
      summary: 'Create or update a resource',
      tags: TAGS,
      auth: SYNC,
      params: onResource,
      body: putResourceBodySchema,
      responses: {
        200: { description: 'Updated.', schema: resourceSchema },
        201: {
          description: 'Created.',
          schema: resourceSchema,
          headers: { Location: { description: 'The URL of the resource.' } },
        },
        404: { description: 'No such parent resource.' },
      },
      handler: async ({ actor, params, body }) => {
        const { resource, created } = await resources.put(actor, params, body);
        return putAnswer(
          created,
          presentResource(resource),
          apiUrl(issuer, 'resources', params.type, params.id),
        );
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/resources/:type/:id',
      operationId: 'getResource',
      summary: 'Get a resource',
      tags: TAGS,
      auth: SYNC,
      params: onResource,
      responses: { 200: { description: 'The resource.', schema: resourceSchema }, 404: notFound },
      handler: async ({ actor, params }) => ({
        status: 200,
        body: presentResource(await resources.get(actor, params)),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/resources/:type/:id',
      operationId: 'deleteResource',
      summary: 'Delete a resource',
      tags: TAGS,
      auth: SYNC,
      params: onResource,
      responses: { 204: { description: 'Deleted.' }, 404: notFound },
      handler: async ({ actor, params }) => {
        await resources.remove(actor, params);
        return { status: 204, body: undefined };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/resources/:type/:id/members',
      operationId: 'listResourceMembers',
      summary: "List a resource's members",
      tags: TAGS,
      auth: SYNC,
      params: onResource,
      responses: {
        200: { description: 'The members.', schema: z.object({ data: z.array(memberSchema) }) },
        404: notFound,
      },
      handler: async ({ actor, params }) => ({
        status: 200,
        body: { data: (await resources.listMembers(actor, params)).map(presentMember) },
      }),
    }),
    defineRoute({
      method: 'PUT',
      path: '/resources/:type/:id/members/:subjectId',
      operationId: 'putResourceMember',
      summary: 'Add a member or change their role',
      tags: TAGS,
      auth: SYNC,
      params: onMember,
      body: putMemberBodySchema,
      responses: {
        200: { description: 'The role was changed (or already was this).', schema: memberSchema },
        201: {
          description: 'The subject became a member.',
          schema: memberSchema,
          headers: { Location: { description: 'The URL of the membership.' } },
        },
        404: { description: 'No such resource or subject.' },
      },
      handler: async ({ actor, params: { subjectId, ...resource }, body }) => {
        const { member, created } = await resources.putMember(actor, resource, subjectId, body.role);
        const location = apiUrl(issuer, 'resources', resource.type, resource.id, 'members', subjectId);
        return putAnswer(created, presentMember(member), location);
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/resources/:type/:id/members/:subjectId',
      operationId: 'deleteResourceMember',
      summary: 'Remove a member',
      tags: TAGS,
      auth: SYNC,
      params: onMember,
      responses: {
        204: { description: 'Removed.' },
        404: { description: 'No such resource or membership.' },
      },
      handler: async ({ actor, params: { subjectId, ...resource } }) => {
        await resources.removeMember(actor, resource, subjectId);
        return { status: 204, body: undefined };
      },
    }),
  ];
};
