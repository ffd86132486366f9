import { importJWK, type JWK } from 'jose';
import { type FieldProblem, invalidFields } from '../../errors.ts';
import type { ClientJwks } from '../../storage/tables/clients.ts';
import { parseJwksUri } from './jwks-uri.ts';

/**
 * private_key_jwt (RFC 7523 §2.2, OIDC Core §9): the client signs a short JWT with its own private
 * key instead of presenting a secret, and Tessera checks it against the public keys the client
 * registered — inline (`jwks`) or at a URL it serves (`jwksUri`, fetched under the server's
 * outbound rules, see jwks-uri.ts). Tessera never holds the private key: a registration
 * that carries one is refused, since whoever saw the request could impersonate the client.
 */
export const PRIVATE_KEY_JWT = 'private_key_jwt';
export const CLIENT_AUTH_METHODS = ['client_secret_basic', PRIVATE_KEY_JWT] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/**
 * The algorithms a client assertion may be signed with: asymmetric, widely implemented, no `none`.
 * Ed25519 is EdDSA's fully-specified name (RFC 9864), which current clients (openid-client) send.
 */
export const CLIENT_ASSERTION_ALGS = ['ES256', 'ES384', 'PS256', 'RS256', 'Ed25519', 'EdDSA'] as const;

/** Members that only a private (or symmetric) JWK has (RFC 7517 §9.3, RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const KEY_TYPES = ['RSA', 'EC', 'OKP'];
const MAX_KEYS = 10;
const MAX_JWKS_BYTES = 32 * 1024;
const MIN_RSA_BITS = 2048;

export type ClientKeysInput = {
  tokenEndpointAuthMethod?: string | undefined;
  jwks?: unknown;
  jwksUri?: string | null | undefined;
};

export type ClientKeys = { tokenEndpointAuthMethod: string; jwks: ClientJwks | null; jwksUri: string | null };

/** The algorithm each accepted curve signs with; RSA keys fit both RS256 and PS256. */
const CURVE_ALGS: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', Ed25519: 'EdDSA' };
const algOf = (key: Record<string, unknown>): string | undefined =>
  key.kty === 'RSA' ? 'RS256' : CURVE_ALGS[String(key.crv)];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What is wrong with one JWK of the set, or undefined when it is a usable public signing key. */
const keyProblem = async (key: unknown): Promise<string | undefined> => {
  if (!isObject(key)) return 'must be a JSON Web Key (an object)';
  const secret = PRIVATE_MEMBERS.filter((member) => member in key);
  if (key.kty === 'oct')
    return 'is a symmetric key (kty "oct"): private_key_jwt takes public keys only — register the public half of an RSA, EC or OKP key pair';
  if (secret.length > 0)
    return `contains private key material (${secret.join(', ')}): register only the public key — a private key must never leave the client`;
  if (typeof key.kty !== 'string' || !KEY_TYPES.includes(key.kty))
    return `has kty ${JSON.stringify(key.kty)}: must be one of ${KEY_TYPES.join(', ')}`;
  if (key.use !== undefined && key.use !== 'sig') return `has use ${JSON.stringify(key.use)}: must be "sig"`;
  if (key.alg !== undefined && !(CLIENT_ASSERTION_ALGS as readonly unknown[]).includes(key.alg))
    return `has alg ${JSON.stringify(key.alg)}: must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}`;
  const alg = typeof key.alg === 'string' ? key.alg : algOf(key);
  if (!alg) return `has crv ${JSON.stringify(key.crv)}: must be one of ${Object.keys(CURVE_ALGS).join(', ')}`;
  try {
    await importJWK(key as JWK, alg);
  } catch (error) {
    return `is not a valid ${key.kty} public key: ${(error as Error).message}`;
  }
  if (
    key.kty === 'RSA' &&
    typeof key.n === 'string' &&
    Buffer.from(key.n, 'base64url').length * 8 < MIN_RSA_BITS
  )
    return `is an RSA key shorter than ${MIN_RSA_BITS} bits`;
  return undefined;
};

/** The set, as stored, or every problem with it (each naming `jwks.keys.<index>`). */
const checkJwks = async (value: unknown): Promise<ClientJwks> => {
  const problem = (detail: string, at = 'jwks'): never => {
    throw invalidFields([{ field: at, detail }]);
  };
  if (!isObject(value) || !Array.isArray(value.keys))
    return problem('must be a JSON Web Key Set: an object with a "keys" array');
  if (JSON.stringify(value).length > MAX_JWKS_BYTES)
    return problem(`must be at most ${MAX_JWKS_BYTES / 1024} KiB`);
  if (value.keys.length === 0) return problem('must hold at least one public key');
  if (value.keys.length > MAX_KEYS) return problem(`must hold at most ${MAX_KEYS} keys`);
  const problems: FieldProblem[] = [];
  for (const [index, key] of value.keys.entries()) {
    const why = await keyProblem(key);
    if (why) problems.push({ field: `jwks.keys.${index}`, detail: `key ${index + 1} ${why}` });
  }
  const kids = value.keys.map((key: Record<string, unknown>) => key.kid).filter((kid) => kid !== undefined);
  if (new Set(kids).size !== kids.length)
    problems.push({ field: 'jwks', detail: 'has two keys with the same kid' });
  if (problems.length > 0) throw invalidFields(problems);
  return { keys: value.keys as Record<string, unknown>[] };
};

/**
 * The client's authentication method and keys after `input`, for a client of `type` that now
 * authenticates with `current` (undefined: a new client). Undefined when the input says nothing
 * about them and nothing changes.
 */
export const checkClientKeys = async (
  input: ClientKeysInput,
  type: string,
  /** Hosts a jwks_uri may name whatever they resolve to (TESSERA_OUTBOUND_ALLOW_HOSTS). */
  outboundAllowHosts: readonly string[],
  current?: ClientKeys,
): Promise<ClientKeys | undefined> => {
  const keysGiven = input.jwks !== undefined || input.jwksUri != null;
  if (input.tokenEndpointAuthMethod === undefined && !keysGiven) return undefined;
  const refuse = (field: string, detail: string): never => {
    throw invalidFields([{ field, detail }]);
  };
  if (type === 'spa' || type === 'native')
    return refuse(
      input.tokenEndpointAuthMethod !== undefined ? 'tokenEndpointAuthMethod' : 'jwks',
      `a public client (${type}) runs on people's devices and cannot keep a secret or a private key: it authenticates with none`,
    );
  const method = input.tokenEndpointAuthMethod ?? current?.tokenEndpointAuthMethod;
  if (method !== PRIVATE_KEY_JWT) {
    if (keysGiven)
      return refuse(
        input.jwks !== undefined ? 'jwks' : 'jwksUri',
        `is for clients that authenticate with ${PRIVATE_KEY_JWT}: set {tokenEndpointAuthMethod} to ${PRIVATE_KEY_JWT}`,
      );
    const unchanged = current ? method === current.tokenEndpointAuthMethod : method === 'client_secret_basic';
    if (unchanged) return undefined;
    return refuse(
      'tokenEndpointAuthMethod',
      method === 'client_secret_basic'
        ? `cannot go back from ${PRIVATE_KEY_JWT} to a secret: register a new client for that`
        : `must be one of ${CLIENT_AUTH_METHODS.join(', ')}`,
    );
  }
  if (input.jwks !== undefined && input.jwksUri != null)
    return refuse('jwksUri', 'give either {jwks} or {jwksUri}, not both: the keys come from one place');
  if (input.jwksUri != null)
    return {
      tokenEndpointAuthMethod: PRIVATE_KEY_JWT,
      jwks: null,
      jwksUri: parseJwksUri(input.jwksUri, outboundAllowHosts),
    };
  if (input.jwks !== undefined)
    return { tokenEndpointAuthMethod: PRIVATE_KEY_JWT, jwks: await checkJwks(input.jwks), jwksUri: null };
  if (current?.tokenEndpointAuthMethod === PRIVATE_KEY_JWT) return undefined;
  return refuse(
    'jwks',
    `is required with ${PRIVATE_KEY_JWT}: the client's public keys ({jwks}), or the https URL it serves them at ({jwksUri})`,
  );
};
