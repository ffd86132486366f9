import type { components } from './schema.ts';

/** An RFC 9457 problem document, as every /v1 error is answered (`application/problem+json`). */
export type Problem = components['schemas']['Problem'];

const isProblem = (value: unknown): value is Problem =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Problem).status === 'number' &&
  typeof (value as Problem).code === 'string';

/**
 * A /v1 call Tessera refused, thrown by `unwrap`. `code` is the stable name to branch on
 * (`invalid_input`, `not_found`, `conflict`, `insufficient_scope`, …), `errors` names the inputs
 * at fault, and `problem` is the whole document.
 */
export class TesseraProblem extends Error {
  override readonly name = 'TesseraProblem';
  readonly status: number;
  readonly code: string;
  readonly errors: NonNullable<Problem['errors']>;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail);
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code;
    this.errors = problem.errors ?? [];
  }

  /**
   * The problem a response carries. An answer that is not a problem document (a proxy's 502 page,
   * say) becomes one with code `unexpected_response`, so callers need to handle one error type.
   */
  static from(error: unknown, response: Response): TesseraProblem {
    if (isProblem(error)) return new TesseraProblem(error);
    return new TesseraProblem({
      type: 'about:blank',
      title: response.statusText || 'Error',
      status: response.status,
      detail:
        `${response.status} from ${response.url || 'Tessera'} without a problem document` +
        (typeof error === 'string' && error ? `: ${error.slice(0, 200)}` : ''),
      code: 'unexpected_response',
    });
  }
}
