import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../src/config/load-config.ts';
import { AppError } from '../../../src/errors.ts';

/** The webhook, notice, e-mail and idle-token settings: defaults, parsing, and each refusal naming its variable. */
const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof AppError);
    return error.message;
  }
  return assert.fail('the configuration was accepted');
};

describe('webhook and notice settings', () => {
  test('default to https-only webhooks, 10 s attempts, a day to dead-letter, notices at 30, 7 and 1 days, no e-mail, no idle policy', () => {
    const config = loadConfig({});
    assert.deepEqual(config.webhooks, {
      allowHttpLoopback: false,
      timeoutMs: 10_000,
      deadLetterMs: 86_400_000,
    });
    assert.deepEqual(config.notices, {
      expiryDays: [30, 7, 1],
      smtpUrl: undefined,
      smtpFrom: 'Tessera <tessera@localhost>',
      idleTokenDays: undefined,
      idleNoticeDays: 7,
    });
  });

  test('reads each variable', () => {
    const config = loadConfig({
      TESSERA_WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
      TESSERA_WEBHOOK_TIMEOUT_SECONDS: '3',
      TESSERA_WEBHOOK_DEAD_LETTER_HOURS: '48',
      TESSERA_EXPIRY_NOTICE_DAYS: '1, 14,3,14',
      TESSERA_SMTP_URL: 'smtps://mailer:pw@mail.internal:465',
      TESSERA_SMTP_FROM: 'Auth <auth@example.org>',
      TESSERA_IDLE_TOKEN_DAYS: '90',
      TESSERA_IDLE_NOTICE_DAYS: '14',
    });
    assert.deepEqual(config.webhooks, {
      allowHttpLoopback: true,
      timeoutMs: 3_000,
      deadLetterMs: 48 * 3_600_000,
    });
    assert.deepEqual(config.notices, {
      expiryDays: [14, 3, 1],
      smtpUrl: 'smtps://mailer:pw@mail.internal:465',
      smtpFrom: 'Auth <auth@example.org>',
      idleTokenDays: 90,
      idleNoticeDays: 14,
    });
  });

  test('refuses bad values, naming the variable', () => {
    for (const [name, value] of [
      ['TESSERA_WEBHOOK_TIMEOUT_SECONDS', '0'],
      ['TESSERA_WEBHOOK_TIMEOUT_SECONDS', '61'],
      ['TESSERA_WEBHOOK_DEAD_LETTER_HOURS', 'a day'],
      ['TESSERA_EXPIRY_NOTICE_DAYS', '30;7'],
      ['TESSERA_EXPIRY_NOTICE_DAYS', '0'],
      ['TESSERA_SMTP_URL', 'http://mail.internal'],
      ['TESSERA_IDLE_TOKEN_DAYS', '-5'],
      ['TESSERA_WEBHOOK_ALLOW_HTTP_LOOPBACK', 'maybe'],
    ] as const) {
      assert.match(refusal({ [name]: value }), new RegExp(`${name} `), `${name}=${value}`);
    }
    assert.match(
      refusal({ TESSERA_IDLE_TOKEN_DAYS: '5', TESSERA_IDLE_NOTICE_DAYS: '7' }),
      /TESSERA_IDLE_NOTICE_DAYS must be fewer days than TESSERA_IDLE_TOKEN_DAYS/,
    );
  });
});
