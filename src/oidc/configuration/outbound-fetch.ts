import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Configuration } from 'oidc-provider';
import { mayConnect } from '../../domain/webhooks/webhook-url.ts';

/**
 * Every request oidc-provider itself makes — a client ID metadata document (CIMD), a client's
 * `jwks_uri`, a `sector_identifier_uri` — goes through this one guard, because each of them is a
 * URL someone outside chose and Tessera runs inside a network they may not see (SSRF):
 *
 * - https only, and no redirects (a 3xx is a failed fetch: following one would leave the guard).
 * - The name is resolved first and every address it resolves to must be public, by the webhooks'
 *   rules (domain/webhooks/webhook-url.ts `mayConnect`: no loopback, private, link-local — the
 *   cloud metadata service at 169.254.169.254 — CGNAT, ULA fc00::/7, multicast…). The library's
 *   own dispatcher then checks the address the socket actually connected to, so a name that
 *   resolves elsewhere a moment later (DNS rebinding) is cut off too.
 * - Hosts in TESSERA_OUTBOUND_ALLOW_HOSTS (`name` or `name:port`) skip the address rules: a
 *   metadata service on the operator's own network, or a test server on the loopback.
 * - The library bounds each fetch to 2.5 s; the bodies are bounded here (FETCH_BODY_LIMITS).
 */
export type OutboundFetchPolicy = {
  allowHosts: readonly string[];
  /** Sees every answer first (client-id-metadata-documents.ts takes `scope` out of documents). */
  inspect?: (url: URL, response: Response) => Promise<Response>;
};

export class OutboundFetchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundFetchRefused';
  }
}

/** Largest bodies the library reads, by purpose (its `fetchResponseBodyLimits`). */
export const FETCH_BODY_LIMITS = {
  'client_id metadata document': 5 * 1024,
  jwks_uri: 64 * 1024,
  sector_identifier_uri: 16 * 1024,
};

const unbracket = (host: string) => host.replace(/^\[|\]$/g, '');

/** Whether the operator lets the server's fetches reach `url`'s host whatever it resolves to. */
export const isAllowedHost = (url: URL, policy: OutboundFetchPolicy): boolean =>
  policy.allowHosts.includes(url.host.toLowerCase()) ||
  policy.allowHosts.includes(url.hostname.toLowerCase());

/** Refuses (throws OutboundFetchRefused) a URL the server must not fetch; resolves the name to check it. */
export const checkOutboundUrl = async (target: string | URL, policy: OutboundFetchPolicy): Promise<URL> => {
  const url = URL.parse(String(target));
  if (!url) throw new OutboundFetchRefused('not an absolute URL');
  if (url.protocol !== 'https:') throw new OutboundFetchRefused(`${url.origin}: only https URLs are fetched`);
  if (url.username || url.password) throw new OutboundFetchRefused(`${url.origin}: no credentials in URLs`);
  if (isAllowedHost(url, policy)) return url;
  const host = unbracket(url.hostname);
  const addresses =
    isIP(host) !== 0
      ? [host]
      : await lookup(host, { all: true, verbatim: true }).then(
          (entries) => entries.map((entry) => entry.address),
          (error: NodeJS.ErrnoException) => {
            throw new OutboundFetchRefused(`${host} does not resolve (${error.code ?? 'error'})`);
          },
        );
  const internal = addresses.find((address) => !mayConnect(address, 'https:', { allowHttpLoopback: false }));
  if (addresses.length === 0 || internal !== undefined)
    throw new OutboundFetchRefused(
      `${host} resolves to ${internal ?? 'nothing'}, not a public address (TESSERA_OUTBOUND_ALLOW_HOSTS lists exceptions)`,
    );
  return url;
};

type FetchOptions = RequestInit & { dispatcher?: unknown };

/** The provider's `fetch` and body limits: the guard above, then the platform's fetch. */
export const outboundFetchConfiguration = (
  policy: OutboundFetchPolicy,
): Pick<Configuration, 'fetch' | 'fetchResponseBodyLimits'> => ({
  fetch: async (target, options) => {
    const url = await checkOutboundUrl(target instanceof Request ? target.url : target, policy);
    const init: FetchOptions = { ...(options as FetchOptions), redirect: 'manual' };
    // The library's dispatcher drops every socket to a special-use address: right for anyone else,
    // wrong for a host the operator allowed on purpose.
    if (isAllowedHost(url, policy)) delete init.dispatcher;
    const response = await globalThis.fetch(url, init);
    return policy.inspect ? policy.inspect(url, response) : response;
  },
  fetchResponseBodyLimits: FETCH_BODY_LIMITS,
});
