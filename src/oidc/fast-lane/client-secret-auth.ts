import type { CachedLookup } from '../../domain/cache/cached-lookup.ts';
import type { PepperHash } from '../../crypto/pepper-hash.ts';
import type { ClientRow } from '../../storage/tables/clients.ts';

/**
 * client_secret_basic and client_secret_post, read by the library's rules (lib/shared/client_auth.js):
 * Basic credentials are form-urlencoded (RFC 6749 §2.3.1) and limited to visible ASCII. Anything
 * the library would answer with an error — or treat as another method — yields undefined, so that
 * the library answers it.
 */
export const CLIENT_AUTH_PARAMETERS = ['client_id', 'client_secret'];

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const VISIBLE_ASCII = /^[\x20-\x7E]+$/;

const decodeBasicPart = (part: string): string | undefined => {
  try {
    const decoded = decodeURIComponent(part.replace(/\+/g, '%20'));
    return VISIBLE_ASCII.test(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
};

type Credentials = { clientId: string; secret: string };

const fromBasicHeader = (authorization: string): Credentials | undefined => {
  const parts = authorization.split(' ');
  if (parts.length !== 2 || parts[0]?.toLowerCase() !== 'basic') return undefined;
  const encoded = parts[1] as string;
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const basic = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = basic.indexOf(':');
  if (colon === -1) return undefined;
  const clientId = decodeBasicPart(basic.slice(0, colon));
  const secret = decodeBasicPart(basic.slice(colon + 1));
  return clientId && secret ? { clientId, secret } : undefined;
};

export const readClientCredentials = (
  authorization: string | undefined,
  params: Record<string, string>,
): Credentials | undefined => {
  if (authorization !== undefined) {
    // Credentials in the header and the body at once is the library's to refuse.
    return params.client_id === undefined && params.client_secret === undefined
      ? fromBasicHeader(authorization)
      : undefined;
  }
  const { client_id: clientId, client_secret: secret } = params;
  return clientId && secret ? { clientId, secret } : undefined;
};

/** The client whose secret the request presents, or undefined (unknown client, wrong secret, …). */
export const authenticateClient = async (
  deps: { clients: CachedLookup<ClientRow>; secretHash: PepperHash },
  authorization: string | undefined,
  params: Record<string, string>,
): Promise<ClientRow | undefined> => {
  const credentials = readClientCredentials(authorization, params);
  if (!credentials) return undefined;
  const row = await deps.clients.get(credentials.clientId);
  return row?.secretHash && deps.secretHash.matches(credentials.secret, row.secretHash) ? row : undefined;
};
