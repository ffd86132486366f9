import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import Koa from 'koa';
import { pino } from 'pino';
import { AppError } from '../../../../src/errors.ts';
import { errorBoundary } from '../../../../src/http/middleware/error-boundary.ts';
import { requestId } from '../../../../src/http/middleware/request-id.ts';

/** A koa app whose only route throws `error`, behind the boundary; returns the answer and the log. */
const answerTo = async (error: unknown) => {
  const logLines: string[] = [];
  const app = new Koa();
  app.use(requestId);
  app.use(errorBoundary(pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) })));
  app.use(() => {
    throw error;
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/interaction/x`);
    return { response, body: (await response.json()) as Record<string, unknown>, logLines };
  } finally {
    server.close();
  }
};

describe('the error boundary of Tessera’s routes outside /v1', () => {
  test('answers an AppError as the same RFC 9457 problem /v1 answers', async () => {
    const { response, body, logLines } = await answerTo(
      new AppError('payload_too_large', 'The form is too large.'),
    );
    assert.equal(response.status, 413);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.deepEqual(body, {
      type: 'about:blank',
      title: 'Payload Too Large',
      status: 413,
      detail: 'The form is too large.',
      code: 'payload_too_large',
      request_id: response.headers.get('x-request-id'),
    });
    assert.deepEqual(logLines, []);
  });

  test('answers a bug with a bare 500 problem and logs it', async () => {
    const { response, body, logLines } = await answerTo(new TypeError('cannot read pepper of undefined'));
    assert.equal(response.status, 500);
    assert.equal(body.code, 'internal');
    assert.doesNotMatch(JSON.stringify(body), /pepper/);
    assert.equal(logLines.length, 1);
    assert.match(logLines[0] ?? '', /pepper/);
  });
});
