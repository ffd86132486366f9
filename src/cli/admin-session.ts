import type { Config } from '../config/load-config.ts';
import { type OperationInput, type OperationName, runOperation } from '../domain/operations.ts';
import { currentOperatorName, operatorActor } from '../domain/operator.ts';
import { callControlSocket, isControlSocketLive } from '../embedded/control-socket-client.ts';
import { controlSocketPath } from '../embedded/control-socket-path.ts';
import { openDomain } from '../open-domain.ts';

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
    if (await isControlSocketLive(socket)) return callControlSocket(socket, op, input, currentOperatorName());
  }
  const opened = await openDomain(config, { migrate: true });
  try {
    const result = await runOperation(opened.domain, operatorActor(currentOperatorName()), op, input);
    return JSON.parse(JSON.stringify(result ?? null));
  } finally {
    await opened.close();
  }
};
