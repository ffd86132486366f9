import { AppError, type ErrorCode } from '../../errors.ts';

export type ForeignKeyProblem = { code: ErrorCode; message: string; field?: string };

/**
 * The AppError for a broken foreign key, when `error` is the violation of one of the named
 * constraints; undefined for any other error, which the caller rethrows (or maps further).
 * Both 23503 (foreign_key_violation) and 23001 (restrict_violation) count: Postgres 18, and so
 * PGlite, raises the latter for ON DELETE RESTRICT, where older servers raise the former.
 */
export const foreignKeyError = (
  error: unknown,
  problemsByConstraint: Record<string, ForeignKeyProblem>,
): AppError | undefined => {
  const failure = error as { code?: unknown; constraint?: unknown } | undefined;
  if (failure?.code !== '23503' && failure?.code !== '23001') return undefined;
  if (typeof failure.constraint !== 'string' || !Object.hasOwn(problemsByConstraint, failure.constraint)) {
    return undefined;
  }
  const problem = problemsByConstraint[failure.constraint] as ForeignKeyProblem;
  return new AppError(problem.code, problem.message, { cause: error, field: problem.field });
};
