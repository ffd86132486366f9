import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup } from '../domain/webhooks/guarded-lookup.ts';
import { mayConnect, type WebhookUrlPolicy } from '../domain/webhooks/webhook-url.ts';

/**
 * oidc-provider's `fetch` hook, which it calls for every outbound request — today a client's
 * `jwks_uri` (lib/models/client.js, ClientKeyStore.refresh); any other fetch the library is
 * configured to make later gets the same rules. Tessera runs inside a network the client's owner may not see, so the
 * fetch follows the webhooks' outbound rules (domain/webhooks/webhook-url.ts): https to public
 * addresses only — checked on the addresses the name resolves to when connecting — plain http to
 * loopback only when the operator allows it (TESSERA_WEBHOOK_ALLOW_HTTP_LOOPBACK); no redirects
 * (a 3xx is an error the library reports); a bounded time and a bounded body. The library's own
 * special-use address guard (its `dispatcher` option) is replaced by this one, which the operator's
 * loopback allowance reaches.
 */
export const JWKS_URI_MAX_BYTES = 64 * 1024;
export const JWKS_URI_TIMEOUT_MS = 3000;

/** Statuses a web `Response` must be built without a body. */
const NO_BODY = new Set([101, 204, 205, 304]);

const headersOf = (raw: Record<string, string | string[] | undefined>): Headers => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
};

export const createJwksUriFetch =
  (policy: WebhookUrlPolicy, limits = { maxBytes: JWKS_URI_MAX_BYTES, timeoutMs: JWKS_URI_TIMEOUT_MS }) =>
  (url: string | URL | Request, options: RequestInit = {}): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url instanceof Request ? url.url : url);
      const host = target.hostname.replace(/^\[|\]$/g, '');
      if (target.protocol !== 'https:' && target.protocol !== 'http:')
        return reject(new Error(`refused to fetch ${target.protocol} URL: only https`));
      if (isIP(host) !== 0 && !mayConnect(host, target.protocol, policy))
        return reject(new Error(`refused to connect to ${host}: not a public address`));
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const accept = new Headers(options.headers).get('accept') ?? 'application/json';
      const request = send(target, {
        method: 'GET',
        headers: { accept, 'user-agent': 'Tessera' },
        lookup: guardedLookup(target.protocol, policy) as never,
      });
      // The whole exchange is bounded, not only idle socket time.
      const timer = setTimeout(
        () => request.destroy(new Error(`${target.host} did not answer within ${limits.timeoutMs} ms`)),
        limits.timeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      request.on('error', fail);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > limits.maxBytes) {
            fail(new Error(`${target.host} answered more than ${limits.maxBytes} bytes`));
            request.destroy();
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () => {
          clearTimeout(timer);
          const status = response.statusCode ?? 502;
          resolve(
            new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), {
              status,
              headers: headersOf(response.headers),
            }),
          );
        });
      });
      request.end();
    });
