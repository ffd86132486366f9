import type { Verifier } from './verifier.ts';

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document an API publishes so a client that
 * got a 401 can find which authorization server issues its tokens, and which scopes it knows. MCP
 * clients discover Tessera this way (resource → `authorization_servers` → RFC 8414 metadata).
 * Framework-free; koa and express serve it through `@tessera/verify/koa` and `/express`.
 */
export const WELL_KNOWN_PROTECTED_RESOURCE = '/.well-known/oauth-protected-resource';

/** The members of RFC 9728 §2 this package fills in; names as on the wire. */
export type ProtectedResourceMetadata = {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly scopes_supported?: readonly string[];
  readonly bearer_methods_supported: readonly string[];
  readonly resource_name?: string;
  readonly resource_documentation?: string;
  readonly resource_policy_uri?: string;
  readonly resource_tos_uri?: string;
  readonly resource_signing_alg_values_supported?: readonly string[];
  readonly dpop_signing_alg_values_supported?: readonly string[];
  readonly dpop_bound_access_tokens_required?: boolean;
};

export type ProtectedResourceMetadataOptions = {
  /**
   * The verifier of this API: its `audience` is the `resource` (the RFC 8707 indicator clients
   * send, and the `aud` of their tokens) and its `issuer` the authorization server, unless
   * `resource` or `authorizationServers` say otherwise.
   */
  verifier?: Pick<Verifier, 'issuer' | 'audience'>;
  /** The API's resource identifier: an absolute http(s) URL without a fragment (RFC 9728 §1.2). */
  resource?: string;
  /** Issuer URLs of the authorization servers whose tokens the API accepts. */
  authorizationServers?: readonly string[];
  /** The scopes a client may ask for this API; RFC 9728 recommends listing them. */
  scopesSupported?: readonly string[];
  /** Where a token may be presented. The middleware reads the Authorization header only (default). */
  bearerMethodsSupported?: readonly ('header' | 'body' | 'query')[];
  /** A name for people, e.g. on a consent page. */
  resourceName?: string;
  resourceDocumentation?: string;
  resourcePolicyUri?: string;
  resourceTosUri?: string;
  /** JWS algorithms the API signs its responses with, if it signs any. */
  resourceSigningAlgValuesSupported?: readonly string[];
  /** DPoP proof algorithms the API accepts (RFC 9449), when it accepts DPoP-bound tokens. */
  dpopSigningAlgValuesSupported?: readonly string[];
  /** True when the API accepts DPoP-bound tokens only. */
  dpopBoundAccessTokensRequired?: boolean;
};

const fail = (message: string): never => {
  throw new TypeError(message);
};

const httpUrl = (value: unknown, name: string): string => {
  // URL.canParse, not URL.parse: this package runs on Node 20.15, which lacks the latter.
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    return fail(`${name} must be an absolute http(s) URL`);
  if (url.hash !== '' || String(value).includes('#')) return fail(`${name} must not have a fragment`);
  return value as string;
};

const tokens = (value: readonly string[] | undefined, name: string): string[] | undefined => {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || !/^[\x21-\x7e]+$/.test(item)))
    return fail(`${name} must be an array of non-empty strings without spaces`);
  return [...value];
};

/** The metadata document of an API; throws a TypeError naming the option that is wrong. */
export const protectedResourceMetadata = (
  options: ProtectedResourceMetadataOptions,
): ProtectedResourceMetadata => {
  const resource = httpUrl(options.resource ?? options.verifier?.audience, 'resource (or verifier.audience)');
  const servers = options.authorizationServers ?? (options.verifier ? [options.verifier.issuer] : undefined);
  if (!Array.isArray(servers) || servers.length === 0)
    fail('authorizationServers (or verifier) must name at least one authorization server');
  const text = (value: string | undefined, name: string) =>
    value === undefined || (typeof value === 'string' && value.trim() !== '')
      ? value
      : fail(`${name} must be a non-empty string`);
  const url = (value: string | undefined, name: string) =>
    value === undefined ? undefined : httpUrl(value, name);
  if (
    options.dpopBoundAccessTokensRequired !== undefined &&
    typeof options.dpopBoundAccessTokensRequired !== 'boolean'
  )
    fail('dpopBoundAccessTokensRequired must be a boolean');
  const document = {
    resource,
    authorization_servers: (servers as readonly string[]).map((server) =>
      httpUrl(server, 'authorizationServers'),
    ),
    scopes_supported: tokens(options.scopesSupported, 'scopesSupported'),
    bearer_methods_supported: tokens(options.bearerMethodsSupported, 'bearerMethodsSupported') ?? ['header'],
    resource_name: text(options.resourceName, 'resourceName'),
    resource_documentation: url(options.resourceDocumentation, 'resourceDocumentation'),
    resource_policy_uri: url(options.resourcePolicyUri, 'resourcePolicyUri'),
    resource_tos_uri: url(options.resourceTosUri, 'resourceTosUri'),
    resource_signing_alg_values_supported: tokens(
      options.resourceSigningAlgValuesSupported,
      'resourceSigningAlgValuesSupported',
    ),
    dpop_signing_alg_values_supported: tokens(
      options.dpopSigningAlgValuesSupported,
      'dpopSigningAlgValuesSupported',
    ),
    dpop_bound_access_tokens_required: options.dpopBoundAccessTokensRequired,
  };
  // Absent members are left out rather than sent as null (RFC 9728 §2: omitted means unspecified).
  return Object.freeze(
    Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined)),
  ) as unknown as ProtectedResourceMetadata;
};

/**
 * The path of the metadata of `resource` (RFC 9728 §3.1): the well-known prefix inserted between
 * the host and the resource's path and query, without the slash a bare host ends with.
 */
export const protectedResourceMetadataPath = (resource: string): string => {
  const url = new URL(httpUrl(resource, 'resource'));
  return `${WELL_KNOWN_PROTECTED_RESOURCE}${url.pathname === '/' ? '' : url.pathname}${url.search}`;
};

/** The URL of the metadata of `resource`, for the `resource_metadata` challenge attribute. */
export const protectedResourceMetadataUrl = (resource: string): string =>
  `${new URL(resource).origin}${protectedResourceMetadataPath(resource)}`;

/** What the middleware's `resourceMetadata` option accepts: the document, or its URL. */
export type ResourceMetadataOption = string | Pick<ProtectedResourceMetadata, 'resource'>;

export type ResourceMetadataOptions = {
  /**
   * This API's protected resource metadata (RFC 9728), or its URL: every 401 and 403 then names it
   * in `resource_metadata`, which is how MCP clients find the authorization server.
   */
  resourceMetadata?: ResourceMetadataOption;
};

/** Where requireToken leaves the attributes requireScope's 403 adds too. */
export const CHALLENGE_ATTRIBUTES: unique symbol = Symbol('tessera.verify.challengeAttributes');

/** The challenge attributes the option adds to every 401 and 403 (RFC 9728 §5.1). */
export const resourceMetadataAttributes = (
  option: ResourceMetadataOption | undefined,
): Record<string, string> =>
  option === undefined
    ? {}
    : {
        resource_metadata:
          typeof option === 'string'
            ? httpUrl(option, 'resourceMetadata')
            : protectedResourceMetadataUrl(option.resource),
      };

// Challenges are written by this package (bearer-challenge.ts): `Scheme name="value", …`, the
// values never holding a `"`. So a challenge starts after a closing quote and a comma.
const NEXT_CHALLENGE = /(?<=")\s*,\s*(?=[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*\s+[A-Za-z0-9_-]+=)/;

/**
 * The answer with `attributes` added to each of its challenges (Bearer, and DPoP when offered):
 * RFC 9728 §5.1 lets any scheme carry `resource_metadata`. Answers without a challenge (503) stay.
 */
export const withChallengeAttributes = <A extends { headers: Record<string, string> }>(
  answer: A,
  attributes: Record<string, string> | undefined,
): A => {
  const header = answer.headers['www-authenticate'];
  if (!header || !attributes || Object.keys(attributes).length === 0) return answer;
  const added = Object.entries(attributes)
    .map(([name, value]) => `, ${name}="${value.replace(/["\\]/g, "'")}"`)
    .join('');
  const challenges = header.split(NEXT_CHALLENGE).map((challenge) => `${challenge}${added}`);
  return { ...answer, headers: { ...answer.headers, 'www-authenticate': challenges.join(', ') } };
};

export type MetadataAnswer = { status: 200 | 204 | 405; headers: Record<string, string>; body?: string };

export type MetadataRouteOptions = {
  /**
   * Also answer at the bare `/.well-known/oauth-protected-resource` when the resource has a path.
   * Clients that found no `resource_metadata` in a challenge try it last (the MCP SDK does). Default
   * true; turn it off when one origin serves several resources.
   */
  atRoot?: boolean;
};

/**
 * Serves the document: answers for its paths (undefined for any other path, which the framework
 * passes on). Public, cacheable and readable cross-origin, so browser-based clients can discover.
 */
export const metadataRoute = (metadata: ProtectedResourceMetadata, options: MetadataRouteOptions = {}) => {
  const paths = new Set([protectedResourceMetadataPath(metadata.resource)]);
  if (options.atRoot ?? true) paths.add(WELL_KNOWN_PROTECTED_RESOURCE);
  const body = JSON.stringify(metadata);
  const cors = { 'access-control-allow-origin': '*' };
  return (method: string, pathAndQuery: string): MetadataAnswer | undefined => {
    const { pathname, search } = new URL(pathAndQuery, 'http://localhost');
    // The path-suffixed form carries the resource's query too (§3.1); the bare one carries none.
    if (!paths.has(`${pathname}${search}`) && !paths.has(pathname)) return undefined;
    if (method === 'OPTIONS')
      return {
        status: 204,
        headers: { ...cors, 'access-control-allow-methods': 'GET, HEAD', 'access-control-max-age': '86400' },
      };
    if (method !== 'GET' && method !== 'HEAD')
      return { status: 405, headers: { ...cors, allow: 'GET, HEAD, OPTIONS' } };
    return {
      status: 200,
      headers: {
        ...cors,
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'public, max-age=300',
      },
      ...(method === 'GET' ? { body } : {}),
    };
  };
};
