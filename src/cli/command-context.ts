import type { Config } from '../config/load-config.ts';
import type { OperationInput, OperationName } from '../domain/operations.ts';
import { reportError, wantsJson } from './cli-error.ts';

/** What every command gets: the configuration, a way to run admin operations, and error reporting. */
export type CommandContext = {
  config: () => Config;
  admin: <N extends OperationName>(op: N, input: OperationInput<N>) => Promise<unknown>;
  /**
   * Runs a command body; a failure is printed (naming the flag when it is about one; as a JSON
   * object with --json) and exits 2 for a usage mistake, 1 otherwise.
   */
  run: (flags: Record<string, string>, body: () => Promise<void>) => Promise<void>;
};

export const runCommandBody = async (
  flags: Record<string, string>,
  body: () => Promise<void>,
): Promise<void> => {
  try {
    await body();
  } catch (error) {
    reportError(error, flags, wantsJson());
  }
};
