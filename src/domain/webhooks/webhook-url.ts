import { BlockList, isIP } from 'node:net';
import { invalidInput } from '../../errors.ts';

/**
 * Where a webhook (or a Shared Signals push receiver) may point. Tessera runs inside a network the receiver's owner may not see, so a
 * subscription must not turn it into a proxy to internal services (SSRF): only https, to a public
 * address — checked when the URL is saved (literal addresses, `localhost`) and again at every
 * delivery on the addresses the name resolves to (webhook-sender.ts). Plain http to the loopback
 * interface is allowed only when the operator says so (TESSERA_WEBHOOK_ALLOW_HTTP_LOOPBACK, for
 * tests and local development).
 */
export type WebhookUrlPolicy = { allowHttpLoopback: boolean };

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Addresses no webhook may reach: private, loopback, link-local (cloud metadata), CGNAT, multicast… */
const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
}
// IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are matched against the IPv4 ranges above by BlockList.
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(net, prefix, 'ipv6');
}

const unbracket = (host: string) => host.replace(/^\[|\]$/g, '');

export const isLoopbackAddress = (address: string): boolean => {
  const family = isIP(address);
  return family !== 0 && loopback.check(address, family === 6 ? 'ipv6' : 'ipv4');
};

/** Whether a delivery may connect to `address` (an IP the URL's host resolved to). */
export const mayConnect = (address: string, protocol: string, policy: WebhookUrlPolicy): boolean => {
  const family = isIP(address);
  if (family === 0) return false;
  if (isLoopbackAddress(address)) return policy.allowHttpLoopback;
  if (protocol !== 'https:') return false;
  return !internal.check(address, family === 6 ? 'ipv6' : 'ipv4');
};

/** The URL, normalised, or a 400 naming `field` that says what is wrong with it. */
export const parseWebhookUrl = (value: unknown, policy: WebhookUrlPolicy, field = 'url'): string => {
  if (typeof value !== 'string' || value.length === 0) throw invalidInput(`${field} is required`, field);
  if (value.length > 2048) throw invalidInput(`${field} must be at most 2048 characters`, field);
  if (!URL.canParse(value)) throw invalidInput(`${field} must be an absolute https URL`, field);
  const url = new URL(value);
  if (url.username || url.password) throw invalidInput(`${field} must not carry credentials`, field);
  if (url.hash) throw invalidInput(`${field} must have no fragment`, field);
  const host = unbracket(url.hostname).toLowerCase();
  const isLocalName = host === 'localhost' || host.endsWith('.localhost');
  const local = isLocalName || isLoopbackAddress(host);
  if (url.protocol === 'http:') {
    if (local && policy.allowHttpLoopback) return url.href;
    throw invalidInput(
      `${field} must use https (plain http is allowed only to loopback, when the operator enables it)`,
      field,
    );
  }
  if (url.protocol !== 'https:') throw invalidInput(`${field} must use https`, field);
  if (local) {
    if (policy.allowHttpLoopback) return url.href;
    throw invalidInput(`${field} must not point at this machine (loopback)`, field);
  }
  if (isIP(host) !== 0 && !mayConnect(host, 'https:', policy)) {
    throw invalidInput(`${field} must not point at a private, loopback or link-local address`, field);
  }
  return url.href;
};
