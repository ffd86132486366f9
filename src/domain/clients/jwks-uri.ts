import { isIP } from 'node:net';
import { invalidInput } from '../../errors.ts';
import { isLoopbackAddress, mayConnect } from '../webhooks/webhook-url.ts';

/**
 * A private_key_jwt client's `jwks_uri`, checked when it is registered by the rules the server's
 * outbound fetch applies when it fetches it (oidc/configuration/outbound-fetch.ts): https, no
 * credentials or fragment, and not at this machine or a private, loopback or link-local address
 * — unless the operator lists its host in TESSERA_OUTBOUND_ALLOW_HOSTS. A name is checked again
 * on what it resolves to at every fetch.
 */
export const parseJwksUri = (value: string, allowHosts: readonly string[], field = 'jwksUri'): string => {
  if (value.length > 2048) throw invalidInput(`${field} must be at most 2048 characters`, field);
  const url = URL.parse(value);
  if (!url) throw invalidInput(`${field} must be an absolute https URL`, field);
  if (url.protocol !== 'https:') throw invalidInput(`${field} must use https`, field);
  if (url.username || url.password) throw invalidInput(`${field} must not carry credentials`, field);
  if (url.hash) throw invalidInput(`${field} must have no fragment`, field);
  if (allowHosts.includes(url.host.toLowerCase()) || allowHosts.includes(url.hostname.toLowerCase()))
    return url.href;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const internal =
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    isLoopbackAddress(host) ||
    (isIP(host) !== 0 && !mayConnect(host, 'https:', { allowHttpLoopback: false }));
  if (internal)
    throw invalidInput(
      `${field} must not point at a private, loopback or link-local address (TESSERA_OUTBOUND_ALLOW_HOSTS lists exceptions)`,
      field,
    );
  return url.href;
};
