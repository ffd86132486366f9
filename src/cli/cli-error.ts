import { AppError } from '../errors.ts';

/**
 * Errors the CLI prints: a domain error names the flag its field came from, so
 * `--ttl must be at most 86400 seconds` rather than `accessTokenTtl …`.
 */
export class CliUsageError extends Error {}

export const describeError = (error: unknown, flags: Record<string, string> = {}): string => {
  if (error instanceof AppError && error.expose) {
    const field = error.field?.split('.')[0];
    const flag = field ? flags[field] : undefined;
    if (flag && field) {
      // Messages start with the field name ("accessTokenTtl must be …"): say the flag instead.
      const message = error.message.startsWith(field)
        ? error.message
            .slice(field.length)
            .replace(/^\.\d+/, '')
            .trimStart()
        : error.message;
      return `${flag} ${message}`;
    }
    return error.message;
  }
  if (error instanceof CliUsageError) return error.message;
  if (error instanceof AppError) return error.message;
  return `unexpected failure: ${(error as Error)?.message ?? String(error)}`;
};
