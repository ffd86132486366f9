import { conflict, notFound } from '../../errors.ts';
import type { ChangeBus } from '../../storage/change-bus.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { Actor } from '../actors.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { refuseBuiltInApiResource } from '../built-ins.ts';
import { parseInput } from '../validation.ts';
import { type ApiResource, type CreateApiResourceInput, createApiResourceInput } from './api-resource.ts';

export const API_RESOURCES_TOPIC = 'api-resources';

export type ApiResourceService = ReturnType<typeof createApiResourceService>;

export const createApiResourceService = (deps: { repositories: Repositories; changes: ChangeBus }) => {
  const { apiResources, clients } = deps.repositories;
  return {
    async create(actor: Actor, input: CreateApiResourceInput): Promise<ApiResource> {
      const values = parseInput(createApiResourceInput, input);
      refuseBuiltInApiResource(values.identifier, 'created by hand');
      const created = await apiResources.insert(values);
      await recordAudit(deps.repositories, actor, {
        action: 'api_resource.create',
        target: { type: 'api_resource', id: created.identifier },
        details: { format: created.format, scopes: created.scopes, ttl: created.accessTokenTtl },
      });
      await deps.changes.publish(API_RESOURCES_TOPIC, created.identifier);
      return created;
    },

    list: (): Promise<ApiResource[]> => apiResources.list(),

    /** For the token endpoint (through its cache): undefined when there is no such API. */
    find: (identifier: string): Promise<ApiResource | undefined> => apiResources.findByIdentifier(identifier),

    async get(identifier: string): Promise<ApiResource> {
      const found = await apiResources.findByIdentifier(identifier);
      if (!found) throw notFound(`no API resource with identifier ${identifier}`);
      return found;
    },

    async remove(actor: Actor, identifier: string): Promise<void> {
      refuseBuiltInApiResource(identifier, 'deleted');
      const users = await clients.listIdsUsingResource(identifier);
      if (users.length > 0) {
        throw conflict(
          `API resource ${identifier} is used by client(s) ${users.join(', ')}; delete them or remove the resource from them first`,
          'identifier',
        );
      }
      if (!(await apiResources.deleteByIdentifier(identifier))) {
        throw notFound(`no API resource with identifier ${identifier}`);
      }
      await recordAudit(deps.repositories, actor, {
        action: 'api_resource.delete',
        target: { type: 'api_resource', id: identifier },
      });
      await deps.changes.publish(API_RESOURCES_TOPIC, identifier);
    },
  };
};
