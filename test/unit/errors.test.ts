import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AppError,
  classifyError,
  DEFAULT_RETRY_AFTER_SECONDS,
  publicMessage,
  STATUS_BY_CODE,
} from '../../src/errors.ts';

describe('AppError', () => {
  test('takes its status from its code, and exposes its message only below 500', () => {
    const conflict = new AppError('conflict', 'an active token named "ci" already exists', { field: 'name' });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.expose, true);
    assert.equal(conflict.field, 'name');
    const broken = new AppError('config_invalid', 'PORT must be a port number');
    assert.equal(broken.status, 500);
    assert.equal(broken.expose, false);
  });

  test('gives every code a status, and only the codes that mean "retry later" a 503', () => {
    for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
      assert.ok(status >= 400 && status <= 599, code);
    }
    assert.deepEqual(
      Object.entries(STATUS_BY_CODE)
        .filter(([, status]) => status === 503)
        .map(([code]) => code),
      ['storage_unavailable', 'keys_unavailable'],
    );
  });

  test('says when to retry on every 503: its own delay, or the default', () => {
    assert.equal(
      new AppError('storage_unavailable', 'Redis is down').retryAfterSeconds,
      DEFAULT_RETRY_AFTER_SECONDS,
    );
    assert.equal(
      new AppError('storage_unavailable', 'Redis is down', { retryAfterSeconds: 2 }).retryAfterSeconds,
      2,
    );
    assert.equal(new AppError('not_found', 'no such token').retryAfterSeconds, undefined);
  });

  test('tells the caller only the kind of a server error, never its message', () => {
    assert.equal(publicMessage(new AppError('not_found', 'no such token')), 'no such token');
    assert.doesNotMatch(publicMessage(new AppError('storage_unavailable', 'ECONNREFUSED 10.1.2.3')), /ECONN/);
    assert.match(publicMessage(new AppError('storage_unavailable', 'x')), /unavailable.*Retry later/);
    assert.equal(publicMessage(new AppError('internal', 'x')), 'Something went wrong on our side.');
  });
});

describe('classifyError', () => {
  test('keeps an AppError as it is', () => {
    const error = new AppError('forbidden', 'the owner is disabled');
    assert.equal(classifyError(error), error);
  });

  test('makes a library error the caller caused a client error with its description', () => {
    const libraryError = Object.assign(new Error('invalid_request'), {
      statusCode: 400,
      expose: true,
      error_description: 'interaction session not found',
    });
    const classified = classifyError(libraryError);
    assert.equal(classified.code, 'invalid_input');
    assert.equal(classified.status, 400);
    assert.equal(classified.message, 'interaction session not found');
    const httpError = Object.assign(new Error('Payload Too Large'), { status: 413, expose: true });
    assert.equal(classifyError(httpError).code, 'payload_too_large');
  });

  test('makes anything else an internal error that keeps the original as its cause', () => {
    for (const thrown of [
      new TypeError('cannot read properties of undefined'),
      Object.assign(new Error('connect ECONNREFUSED'), { status: 500, expose: true }),
      Object.assign(new Error('secret detail'), { status: 400 }),
      'a string',
      undefined,
    ]) {
      const classified = classifyError(thrown);
      assert.equal(classified.code, 'internal');
      assert.equal(classified.status, 500);
      assert.equal(classified.expose, false);
      assert.equal(classified.cause, thrown);
    }
  });
});

describe('classifyError and storage outages', () => {
  test('reads an unreachable store, as ioredis, pg and knex report it, as a 503 that says when to retry', () => {
    const outages: unknown[] = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('Connection is closed.'),
      new Error('Command timed out'),
      Object.assign(new Error('Reached the max retries per request limit'), {
        name: 'MaxRetriesPerRequestError',
      }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      new Error('Connection terminated due to connection timeout'),
      // knex puts the statement first; pg's connect timeout has words of its own.
      new Error('select * from "clients" where "id" = $1 - Connection terminated unexpectedly'),
      new Error('timeout expired'),
      Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' }),
      new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'connect failed'),
      new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }),
    ];
    for (const thrown of outages) {
      const classified = classifyError(thrown);
      assert.equal(classified.code, 'storage_unavailable', String(thrown));
      assert.equal(classified.status, 503);
      assert.ok(classified.retryAfterSeconds !== undefined && classified.retryAfterSeconds > 0);
    }
  });

  test('leaves a query the store rejected as a server error', () => {
    for (const thrown of [
      Object.assign(new Error('invalid byte sequence'), { code: '22021' }),
      new Error('ERR wrong number of arguments'),
      new Error('select "note - Connection terminated" from "notes" - column does not exist'),
    ])
      assert.equal(classifyError(thrown).code, 'internal');
  });
});
