import { connect } from 'node:net';
import type { OperationInput, OperationName, OperationResult } from '../domain/operations.ts';
import { AppError, type ErrorCode, type FieldProblem } from '../errors.ts';

type Reply =
  | { ok: true; result: unknown }
  | {
      ok: false;
      error: { code: ErrorCode; message: string; field?: string; fields?: FieldProblem[] };
    };

const exchange = (path: string, request: string, timeoutMs: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect(path);
    let raw = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error('the embedded server did not answer in time')),
    );
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: string) => {
      raw += chunk;
    });
    socket.on('end', () => resolve(raw));
    socket.on('error', reject);
  });

/** True when an embedded server is running and listening on its control socket. */
export const isControlSocketLive = (path: string): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Runs an operation in the embedded server. Results come back as JSON (dates as ISO strings). */
export const callControlSocket = async <N extends OperationName>(
  path: string,
  op: N,
  input: OperationInput<N>,
  operator: string,
  timeoutMs = 30_000,
): Promise<unknown> => {
  const reply = JSON.parse(
    await exchange(path, `${JSON.stringify({ op, input, operator })}\n`, timeoutMs),
  ) as Reply;
  if (reply.ok) return reply.result as OperationResult<N>;
  throw new AppError(reply.error.code, reply.error.message, {
    field: reply.error.field,
    fields: reply.error.fields,
  });
};
