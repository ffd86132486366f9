import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signatures (the convention the `standardwebhooks` libraries verify): the
 * secret is `whsec_` + base64 of 24 random bytes; each request carries `webhook-id`,
 * `webhook-timestamp` (epoch seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<body>" under the decoded secret>`.
 */
export const SECRET_PREFIX = 'whsec_';

export const generateWebhookSecret = (): string => `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;

export const signWebhook = (secret: string, id: string, timestampSeconds: number, body: string): string => {
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
  const digest = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
};

/** The headers of one signed request. */
export const webhookHeaders = (secret: string, id: string, timestampSeconds: number, body: string) => ({
  'content-type': 'application/json',
  'webhook-id': id,
  'webhook-timestamp': String(timestampSeconds),
  'webhook-signature': signWebhook(secret, id, timestampSeconds, body),
});
