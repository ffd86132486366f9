import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { mayConnect, type WebhookUrlPolicy } from './webhook-url.ts';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for node:http(s) that resolves a name and keeps only the addresses `mayConnect`
 * allows: an outbound request (a webhook, a client's jwks_uri) is checked on what the name resolves
 * to at connection time, so a name that later points inside the network (DNS rebinding) is refused.
 */
export const guardedLookup =
  (protocol: string, policy: WebhookUrlPolicy) =>
  (hostname: string, options: LookupAllOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = addresses.filter((entry) => mayConnect(entry.address, protocol, policy));
      if (allowed.length === 0) {
        return callback(
          Object.assign(new Error(`refused to connect to ${hostname}: it resolves to no public address`), {
            code: 'EADDRNOTALLOWED',
          }),
          [],
        );
      }
      if (options.all) return callback(null, allowed);
      const first = allowed[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
