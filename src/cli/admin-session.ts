import type { Config } from '../config/load-config.ts';
import { type OperationInput, type OperationName, runOperation } from '../domain/operations.ts';
import { currentOperatorName, operatorActor } from '../domain/operator.ts';
import { callControlSocket, isControlSocketLive } from '../embedded/control-socket-client.ts';
import { controlSocketPath } from '../embedded/control-socket-path.ts';
import type { Services } from '../composition/open-services.ts';
import { isDataDirInUse } from '../storage/data-dir-lock.ts';

export type AdminDeps = {
  config: Config;
  /** Opens storage and the domain in this process, when no running server owns them. */
  openServices: () => Promise<Services>;
};

/**
 * The embedded server holds the database lock from the moment it starts and opens its control
 * socket a little later: while the lock is held by someone, keep asking for the socket (bounded).
 */
const reachStorage = async ({ config, openServices }: AdminDeps): Promise<Services | 'server'> => {
  const socket = controlSocketPath(config.dataDir);
  for (let attempt = 0; ; attempt++) {
    if (config.profile === 'embedded' && (await isControlSocketLive(socket))) return 'server';
    try {
      return await openServices();
    } catch (error) {
      if (!isDataDirInUse(error) || attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
};

/**
 * Runs an administrative operation where the records live. An embedded server that is running
 * owns its PGlite database, so the CLI asks it over the control socket; otherwise the CLI opens
 * the database itself (and migrates it, so a first command on a fresh machine just works).
 * Results are returned as JSON values either way, so output does not depend on the path taken.
 */
export const runAdmin = async <N extends OperationName>(
  deps: AdminDeps,
  op: N,
  input: OperationInput<N>,
): Promise<unknown> => {
  const opened = await reachStorage(deps);
  if (opened === 'server') {
    return callControlSocket(controlSocketPath(deps.config.dataDir), op, input, currentOperatorName());
  }
  try {
    const result = await runOperation(opened.domain, operatorActor(currentOperatorName()), op, input);
    return JSON.parse(JSON.stringify(result ?? null));
  } finally {
    await opened.close();
  }
};
