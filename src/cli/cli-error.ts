import { AppError, classifyError, type FieldProblem, invalidInput, nameFields } from '../errors.ts';

/**
 * How the CLI reports a failure. A usage mistake — a flag missing, two that exclude each other, a
 * value the domain refuses — is an `invalid_input` AppError like any other input error.
 */
export const usageError = (message: string): AppError => invalidInput(message);

/** The exit code: 2 for a usage mistake (as commander's own parse errors), 1 for a failure at run time. */
export const exitCodeOf = (error: unknown): number =>
  error instanceof AppError && error.code === 'invalid_input' ? 2 : 1;

/** One problem, named the CLI's way: the flag its field came from (`--ttl`), or the field itself. */
export type CliProblem = { flag?: string; detail: string };

const flagOf = (field: string, flags: Record<string, string>) => {
  const [first = field, index] = field.split('.');
  const flag = flags[first] ?? first;
  // A list flag's item: `--scopes (item 2)`.
  return index !== undefined && /^\d+$/.test(index) ? `${flag} (item ${Number(index) + 1})` : flag;
};

/** Each problem of an error, its fields named as flags; an error about no field is one problem. */
export const cliProblems = (error: unknown, flags: Record<string, string> = {}): CliProblem[] => {
  if (!(error instanceof AppError))
    return [{ detail: `unexpected failure: ${(error as Error)?.message ?? String(error)}` }];
  const name = (field: string) => flags[field] ?? field;
  if (error.expose && error.fields && error.fields.length > 0) {
    return error.fields.map(({ field, detail }: FieldProblem) => ({
      ...(field ? { flag: flagOf(field, flags) } : {}),
      detail: nameFields(detail, name),
    }));
  }
  const field = error.expose ? error.field?.split('.')[0] : undefined;
  const flag = field ? flags[field] : undefined;
  // The CLI's user is the operator: a configuration or storage failure is told as it is.
  if (!flag || !field) return [{ detail: error.message }];
  // Messages start with the field name ("accessTokenTtl must be …"): say the flag instead.
  const detail = error.message.startsWith(field)
    ? error.message
        .slice(field.length)
        .replace(/^\.\d+/, '')
        .trimStart()
    : error.message;
  return [{ flag, detail }];
};

const lineOf = ({ flag, detail }: CliProblem) => (flag ? `${flag} ${detail}` : detail);

/** What the CLI says, one problem a line: `--ttl must be at most 86400 seconds`. */
export const describeError = (error: unknown, flags: Record<string, string> = {}): string =>
  cliProblems(error, flags).map(lineOf).join('\n');

/** With --json, an error is a JSON object on stderr as well: `{"error": {code, message, errors}}`. */
export const errorJson = (error: unknown, flags: Record<string, string> = {}) => {
  const problems = cliProblems(error, flags);
  const lines = problems.map(lineOf);
  return {
    error: {
      code: classifyError(error).code,
      message: lines.length === 1 ? lines.join('') : `${lines.length} problems: ${lines.join('; ')}`,
      errors: problems,
    },
  };
};

/** Prints a failure on stderr — lines prefixed `error:`, or the JSON object with --json — and sets the exit code. */
export const reportError = (error: unknown, flags: Record<string, string>, json: boolean): void => {
  process.stderr.write(
    json
      ? `${JSON.stringify(errorJson(error, flags), null, 2)}\n`
      : cliProblems(error, flags)
          .map((problem) => `error: ${lineOf(problem)}\n`)
          .join(''),
  );
  process.exitCode = exitCodeOf(error);
};

/** Whether the command line asks for JSON output (errors included). */
export const wantsJson = (argv: readonly string[] = process.argv): boolean => argv.includes('--json');
