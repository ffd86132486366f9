import { hash, randomBytes } from 'node:crypto';
import { CACHED_LOOKUP_MAX_ENTRIES, type CachedLookup, type CacheStats } from '../../cache/cached-lookup.ts';
import type { PepperHash } from '../../crypto/pepper-hash.ts';
import type { Client } from '../../domain/clients/client.ts';
import { presentedClientSecret } from '../../domain/clients/client-secret.ts';
import { PRIVATE_KEY_JWT } from '../../domain/clients/client-keys.ts';

/**
 * client_secret_basic and client_secret_post, read by the library's rules (lib/shared/client_auth.js):
 * Basic credentials are form-urlencoded (RFC 6749 §2.3.1) and limited to visible ASCII. Anything
 * the library would answer with an error — or treat as another method — yields undefined, so that
 * the library answers it. A client assertion (private_key_jwt) is not among the lanes' parameters
 * (`onlyParameters`): such a request always goes to the library, which verifies it.
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

/**
 * The credentials as presented, undecoded: the same choice of header or body as
 * readClientCredentials, so that remembered credentials are found without decoding them.
 */
const presentedCredentials = (
  authorization: string | undefined,
  params: Record<string, string>,
): string | undefined => {
  if (authorization !== undefined)
    return params.client_id === undefined && params.client_secret === undefined
      ? `header ${authorization}`
      : undefined;
  const { client_id: clientId, client_secret: secret } = params;
  return clientId && secret ? `post ${clientId}\u0000${secret}` : undefined;
};

export type ClientAuthDeps = {
  clients: CachedLookup<Client>;
  secretHash: PepperHash;
  /**
   * Credentials remembered at most, the oldest forgotten first: as many as the clients cache
   * holds, so a large population of clients does not push each other out on every request.
   */
  rememberAtMost?: number;
  /** Hears whether presented credentials were remembered (metrics). */
  credentialStats?: CacheStats;
};

/**
 * The client whose secret the request presents, or undefined (unknown client, wrong secret, …).
 *
 * Checking a secret costs an HMAC with the pepper on every request of a busy service. Credentials
 * that passed are remembered by a SHA-256 keyed with a random prefix of this process's own — never
 * the secret itself, and nothing a memory dump could test guesses against without that key —
 * together with the client record they passed for. The record is the cache's object: a rotated secret or a deleted client comes with a new
 * record (or none), and the credentials are checked again.
 */
export const createClientAuthenticator = (deps: ClientAuthDeps) => {
  const { rememberAtMost = CACHED_LOOKUP_MAX_ENTRIES } = deps;
  // `until`: credentials that passed as a rotated-out secret pass only until its overlap ends.
  const passed = new Map<string, { clientId: string; client: Client; until: number }>();
  // SHA-256 of a random per-process key and the credentials, in one call: a keyed digest that only
  // ever lives in this process's memory, where length extension is no concern. It is a tenth of
  // the CPU of an HMAC object per request (0.4 against 1.8–3 µs; createHmac with a Buffer key
  // was 12 µs).
  const rememberKey = randomBytes(32).toString('base64url');

  return async (
    authorization: string | undefined,
    params: Record<string, string>,
  ): Promise<Client | undefined> => {
    const presented = presentedCredentials(authorization, params);
    if (presented === undefined) return undefined;
    const key = hash('sha256', rememberKey + presented, 'base64url');
    const remembered = passed.get(key);
    if (remembered) deps.credentialStats?.hit();
    else deps.credentialStats?.miss();
    if (remembered) {
      if (
        (await deps.clients.get(remembered.clientId)) === remembered.client &&
        Date.now() < remembered.until
      )
        return remembered.client;
      passed.delete(key);
    }

    const credentials = readClientCredentials(authorization, params);
    if (!credentials) return undefined;
    const client = await deps.clients.get(credentials.clientId);
    // A client with keys (private_key_jwt) authenticates only with them, whatever a record holds.
    if (!client?.secretHash || client.tokenEndpointAuthMethod === PRIVATE_KEY_JWT) return undefined;
    const which = presentedClientSecret(client, credentials.secret, deps.secretHash);
    if (!which) return undefined;
    if (passed.size >= rememberAtMost) passed.delete(passed.keys().next().value as string);
    const until = which === 'current' ? Infinity : (client.previousSecretExpiresAt?.getTime() ?? 0);
    passed.set(key, { clientId: credentials.clientId, client, until });
    return client;
  };
};

export type ClientAuthenticator = ReturnType<typeof createClientAuthenticator>;
