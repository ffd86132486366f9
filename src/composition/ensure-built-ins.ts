import { ensureManagementApi } from '../domain/api-resources/ensure-management-api.ts';
import { ensureConsoleClient } from '../domain/clients/console-client.ts';
import type { Logger } from '../logging/create-logger.ts';
import type { Storage } from '../storage/open-storage.ts';

/**
 * The server start's step that makes Tessera's own records whole (domain/built-ins.ts): the
 * management API first, because the console client is issued tokens for it. Idempotent: with both
 * in place and unchanged it writes nothing.
 */
export const ensureBuiltIns = async (storage: Storage, issuer: string, logger: Logger): Promise<void> => {
  if (await ensureManagementApi(storage)) {
    logger.warn(
      { identifier: 'urn:tessera:management' },
      'the management API resource was missing: restored',
    );
  }
  await ensureConsoleClient(storage, issuer);
};
