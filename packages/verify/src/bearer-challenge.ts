import { VerifyError } from './errors.ts';
import { impliedScopes, type Principal, type ResourceTarget } from './principal.ts';

/**
 * What the koa and express middleware share: reading the bearer token (RFC 6750 §2.1) and answering
 * with RFC 6750 §3 challenges. Framework-free, so neither framework is needed at run time.
 */
export type Answer = {
  status: 401 | 403 | 503;
  headers: Record<string, string>;
  body: Record<string, string>;
};

/** Where requireToken leaves its realm, so requireScope can answer in the same one. */
export const REALM: unique symbol = Symbol('tessera.verify.realm');

// A quoted-string may hold neither `"` nor `\`, and header values only printable ASCII.
const quoted = (value: string): string => `"${value.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?')}"`;

export const challenge = (realm: string, attributes: Record<string, string> = {}): string =>
  `Bearer ${Object.entries({ realm, ...attributes })
    .map(([name, value]) => `${name}=${quoted(value)}`)
    .join(', ')}`;

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** No credentials at all: a bare challenge, without an error code (RFC 6750 §3.1). */
export const missingToken = (realm: string): Answer => ({
  status: 401,
  headers: { ...jsonHeaders, 'www-authenticate': challenge(realm) },
  body: { error_description: 'this API needs a bearer token (Authorization: Bearer …)' },
});

export const failed = (error: VerifyError, realm: string, scope?: string): Answer => {
  if (error.code === 'temporarily_unavailable')
    return {
      status: 503,
      headers: { ...jsonHeaders, 'retry-after': '5' },
      body: { error: error.code, error_description: 'the token could not be checked right now; try again' },
    };
  const attributes: Record<string, string> = { error: error.code, error_description: error.message };
  if (error.code === 'insufficient_scope' && scope) attributes.scope = scope;
  return {
    status: error.status,
    headers: { ...jsonHeaders, 'www-authenticate': challenge(realm, attributes) },
    body: { error: error.code, error_description: error.message },
  };
};

export type TokenOptions = {
  /** Realm of the challenges; defaults to the verifier's audience. */
  realm?: string;
  /**
   * Called with every refusal (401 and 503) before it is answered, e.g. to log why: the response
   * itself says little about a 503, since the cause (Tessera down, bad verifier credentials) is
   * the API's business, not the caller's.
   */
  onError?: (error: VerifyError) => void;
};

export type ScopeOptions<Request> = {
  /** The resource the request acts on, or a function of the request that finds it. */
  resource?:
    ResourceTarget | ((request: Request) => ResourceTarget | undefined | Promise<ResourceTarget | undefined>);
  /** Realm of the challenge; defaults to the one requireToken used. */
  realm?: string;
};

/** Checks an authenticated principal against a scope: undefined when allowed, else the answer. */
export const authorize = async <Request>(
  principal: Principal,
  scope: string,
  options: ScopeOptions<Request>,
  request: Request,
  realm: string,
): Promise<Answer | undefined> => {
  const target = typeof options.resource === 'function' ? await options.resource(request) : options.resource;
  if (principal.can(scope, target)) return undefined;
  const reason =
    principal.kind === 'resource' && impliedScopes(principal.scopes).has(scope)
      ? `the token has ${scope} but not on this resource (a resource access token acts on its own resource and what is below it)`
      : `the token needs the scope ${scope}`;
  return failed(new VerifyError('insufficient_scope', reason), realm, scope);
};

export const missingPrincipal = (): Error =>
  new Error('requireScope needs requireToken before it: no principal was found on the request');
