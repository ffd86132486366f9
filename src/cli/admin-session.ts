import type { Config } from '../config/load-config.ts';
import { resolveSecrets } from '../config/resolve-secrets.ts';
import { createDomain } from '../domain/create-domain.ts';
import { type OperationInput, type OperationName, runOperation } from '../domain/operations.ts';
import { callControlSocket, isControlSocketLive } from '../embedded/control-socket-client.ts';
import { controlSocketPath } from '../embedded/control-socket-path.ts';
import { openStorage } from '../storage/open-storage.ts';

/**
 * Runs an administrative operation where the records live. An embedded server that is running
 * owns its PGlite database, so the CLI asks it over the control socket; otherwise the CLI opens
 * the database itself (and migrates it, so a first command on a fresh machine just works).
 * Results are returned as JSON values either way, so output does not depend on the path taken.
 */
export const runAdmin = async <N extends OperationName>(
  config: Config,
  op: N,
  input: OperationInput<N>,
): Promise<unknown> => {
  if (config.profile === 'embedded') {
    const socket = controlSocketPath(config.dataDir);
    if (await isControlSocketLive(socket)) return callControlSocket(socket, op, input);
  }
  const secrets = resolveSecrets(config);
  const storage = await openStorage(config, { pepper: secrets.pepper, migrate: true });
  try {
    const domain = createDomain({ ...storage, pepper: secrets.pepper });
    return JSON.parse(JSON.stringify((await runOperation(domain, op, input)) ?? null));
  } finally {
    await storage.close();
  }
};
