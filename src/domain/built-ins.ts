import { forbidden } from '../errors.ts';
import { MANAGEMENT_API } from './api-resources/management-api.ts';

/**
 * The records Tessera makes for itself: its management API (an API resource) and the console's
 * client. The console signs in with the one for the other, so neither may be deleted or changed
 * by an operator; a start restores whichever is missing (composition/ensure-built-ins.ts).
 */
export const CONSOLE_CLIENT_ID = 'tessera-console';

const AFTERWORD = 'Tessera creates it and restores it at every start.';

/** Refuses to `action` (delete, create…) the management API resource. */
export const refuseBuiltInApiResource = (identifier: string, action: string): void => {
  if (identifier !== MANAGEMENT_API) return;
  throw forbidden(
    `API resource ${identifier} is built in: it is Tessera's own management API (/v1), which the console and personal access tokens are issued for. It cannot be ${action}; ${AFTERWORD}`,
  );
};

/** Refuses to `action` (delete, give a secret…) the console's client. */
export const refuseBuiltInClient = (clientId: string, action: string): void => {
  if (clientId !== CONSOLE_CLIENT_ID) return;
  throw forbidden(
    `client ${clientId} is built in: it is the console's own client, with which people sign in to /console. It cannot be ${action}; ${AFTERWORD}`,
  );
};
