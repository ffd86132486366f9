import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { Domain } from '../domain/create-domain.ts';
import { isOperationName, runOperation } from '../domain/operations.ts';
import { AppError, classifyError } from '../errors.ts';
import { operatorActor } from '../domain/operator.ts';
import type { Logger } from '../logging/create-logger.ts';

/** One JSON request per connection, one JSON answer back: `{op, input}` → `{ok, result | error}`. */
const MAX_REQUEST_BYTES = 1024 * 1024;

const answer = (socket: Socket, body: unknown) => socket.end(`${JSON.stringify(body)}\n`);

export const startControlSocket = async (deps: {
  path: string;
  domain: Domain;
  logger: Logger;
}): Promise<{ close: () => Promise<void> }> => {
  const handle = async (raw: string, socket: Socket) => {
    try {
      const request = JSON.parse(raw) as { op?: unknown; input?: unknown; operator?: unknown };
      if (typeof request.op !== 'string' || !isOperationName(request.op)) {
        throw new AppError('invalid_input', `unknown operation ${String(request.op)}`);
      }
      // Only the server's own user can open this socket (mode 0600): it vouches for the operator.
      const operator = operatorActor(typeof request.operator === 'string' ? request.operator : 'unknown');
      const result = await runOperation(deps.domain, operator, request.op, request.input as never);
      answer(socket, { ok: true, result: result ?? null });
    } catch (error) {
      const failure = classifyError(error);
      if (!failure.expose) deps.logger.error({ err: error }, 'control socket operation failed');
      answer(socket, {
        ok: false,
        error: failure.expose
          ? { code: failure.code, message: failure.message, field: failure.field, fields: failure.fields }
          : { code: failure.code, message: 'the server failed to run the operation; see its log' },
      });
    }
  };

  const server = createServer((socket) => {
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      if (raw.length > MAX_REQUEST_BYTES) socket.destroy();
      else if (raw.endsWith('\n')) void handle(raw, socket);
    });
    socket.on('error', () => socket.destroy());
  });

  // A socket file left by a server that crashed would make listen fail; nobody is behind it.
  rmSync(deps.path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.path, () => resolve());
  });
  chmodSync(deps.path, 0o600);

  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(deps.path, { force: true });
      }),
  };
};
