import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { guardedLookup } from './guarded-lookup.ts';
import { mayConnect, type WebhookUrlPolicy } from './webhook-url.ts';

/**
 * One webhook POST. The connection goes only to addresses `mayConnect` allows — checked on what
 * the name resolves to at send time, so a name that later points inside the network (DNS
 * rebinding) is refused too. Redirects are not followed (a 3xx is a failed attempt).
 */
export type SendResult = { status: number | null; latencyMs: number; error: string | null };

export type WebhookSend = (request: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}) => Promise<SendResult>;

export const createWebhookSender =
  (policy: WebhookUrlPolicy): WebhookSend =>
  ({ url, headers, body, timeoutMs }) =>
    new Promise<SendResult>((resolve) => {
      const started = performance.now();
      const target = new URL(url);
      let settled = false;
      const finish = (status: number | null, error: string | null) => {
        if (settled) return;
        settled = true;
        resolve({ status, latencyMs: Math.round(performance.now() - started), error });
      };
      const host = target.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) !== 0 && !mayConnect(host, target.protocol, policy)) {
        finish(null, `refused to connect to ${host}: not a public address`);
        return;
      }
      const lookup = guardedLookup(target.protocol, policy);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(target, {
        method: 'POST',
        headers: {
          ...headers,
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Tessera-Webhooks',
        },
        lookup: lookup as never,
        timeout: timeoutMs,
      });
      // The whole attempt, not only idle socket time, is bounded.
      const timer = setTimeout(() => {
        request.destroy(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      request.on('error', (error) => {
        clearTimeout(timer);
        finish(null, error.message.slice(0, 500));
      });
      request.on('response', (response) => {
        // The answer's body is not read beyond what arrives; the status decides.
        response.resume();
        response.on('end', () => {
          clearTimeout(timer);
          finish(response.statusCode ?? null, null);
        });
        response.on('error', () => {
          clearTimeout(timer);
          finish(response.statusCode ?? null, null);
        });
      });
      request.end(body);
    });
