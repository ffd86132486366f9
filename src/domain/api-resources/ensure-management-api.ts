import { AppError } from '../../errors.ts';
import type { ChangeBus } from '../../storage/change-bus.ts';
import type { Repositories } from '../../storage/repositories.ts';
import { API_RESOURCES_TOPIC } from './api-resource-service.ts';
import { MANAGEMENT_API } from './management-api.ts';

/**
 * Restores the management API resource when it is missing — deleted in the database, say — with
 * the definition its migration created. One that exists is left alone, as the migration leaves an
 * operator's; so a start with it in place writes nothing, and N instances starting together race
 * harmlessly (the loser's insert is a conflict, which means the record is back).
 */
export const ensureManagementApi = async (deps: {
  repositories: Repositories;
  changes: ChangeBus;
}): Promise<boolean> => {
  if (await deps.repositories.apiResources.findByIdentifier(MANAGEMENT_API)) return false;
  try {
    await deps.repositories.apiResources.insert({
      identifier: MANAGEMENT_API,
      name: 'Tessera management API',
      format: 'jwt',
      accessTokenTtl: 900,
      scopes: ['tokens:read', 'tokens:write', 'resources:write', 'admin', 'ssf'],
      signingAlg: 'ES256',
    });
  } catch (error) {
    if (error instanceof AppError && error.code === 'conflict') return false;
    throw error;
  }
  await deps.changes.publish(API_RESOURCES_TOPIC, MANAGEMENT_API);
  return true;
};
