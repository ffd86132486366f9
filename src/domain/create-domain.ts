import { createPepperHash } from '../crypto/pepper-hash.ts';
import type { ChangeBus } from '../storage/change-bus.ts';
import type { Repositories } from '../storage/repositories.ts';
import { createApiResourceService } from './api-resources/api-resource-service.ts';
import { CLIENT_SECRET_HASH_PURPOSE } from './clients/client-secret.ts';
import { createClientService } from './clients/client-service.ts';

/** The domain services, built over one set of repositories. */
export const createDomain = (deps: { repositories: Repositories; changes: ChangeBus; pepper: string }) => ({
  apiResources: createApiResourceService(deps),
  clients: createClientService({
    ...deps,
    secretHash: createPepperHash(deps.pepper, CLIENT_SECRET_HASH_PURPOSE),
  }),
});

export type Domain = ReturnType<typeof createDomain>;
