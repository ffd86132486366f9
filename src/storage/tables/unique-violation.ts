import { AppError } from '../../errors.ts';

/**
 * Turns Postgres' unique_violation (SQLSTATE 23505, raised alike by `pg` and PGlite) into the
 * 409 the caller can show; any other error passes through untouched.
 */
export const rethrowUniqueViolation = (
  error: unknown,
  fieldsByConstraint: Record<string, { field: string; message: string }>,
): never => {
  const failure = error as { code?: unknown; constraint?: unknown };
  if (failure?.code === '23505') {
    const known = typeof failure.constraint === 'string' ? fieldsByConstraint[failure.constraint] : undefined;
    throw new AppError('conflict', known?.message ?? 'The record already exists', {
      cause: error,
      field: known?.field,
    });
  }
  throw error;
};
