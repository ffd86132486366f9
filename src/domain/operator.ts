import { userInfo } from 'node:os';
import type { Actor } from './actors.ts';

/** The person at the host's shell running the CLI, as the audit log names them. */
export const currentOperatorName = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
};

export const operatorActor = (name: string): Actor => ({ kind: 'operator', id: `cli:${name}`, meta: {} });
