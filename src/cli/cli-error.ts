import { AppError, invalidInput } from '../errors.ts';

/**
 * How the CLI reports a failure. A usage mistake — a flag missing, two that exclude each other, a
 * value the domain refuses — is an `invalid_input` AppError like any other input error.
 */
export const usageError = (message: string): AppError => invalidInput(message);

/** The exit code: 2 for a usage mistake (as commander's own parse errors), 1 for a failure at run time. */
export const exitCodeOf = (error: unknown): number =>
  error instanceof AppError && error.code === 'invalid_input' ? 2 : 1;

/**
 * The line the CLI prints: a domain error names the flag its field came from, so
 * `--ttl must be at most 86400 seconds` rather than `accessTokenTtl …`.
 */
export const describeError = (error: unknown, flags: Record<string, string> = {}): string => {
  if (!(error instanceof AppError))
    return `unexpected failure: ${(error as Error)?.message ?? String(error)}`;
  const field = error.expose ? error.field?.split('.')[0] : undefined;
  const flag = field ? flags[field] : undefined;
  if (!flag || !field) return error.message;
  // Messages start with the field name ("accessTokenTtl must be …"): say the flag instead.
  const message = error.message.startsWith(field)
    ? error.message
        .slice(field.length)
        .replace(/^\.\d+/, '')
        .trimStart()
    : error.message;
  return `${flag} ${message}`;
};
