import {
  type Answer,
  authorize,
  missingPrincipal,
  REALM,
  type ScopeOptions,
  type TokenOptions,
} from './bearer-challenge.ts';
import {
  authenticateRequest,
  checkPublicUrl,
  dpopAlgorithmsFor,
  inScheme,
  type PublicUrlOptions,
  type RequestFacts,
  requestUrl,
  SCHEME,
} from './dpop-challenge.ts';
import type { Principal } from './principal.ts';
import {
  CHALLENGE_ATTRIBUTES,
  resourceMetadataAttributes,
  type ResourceMetadataOptions,
  withChallengeAttributes,
} from './protected-resource-metadata.ts';
import type { Verifier } from './verifier.ts';

/**
 * `@tessera/verify/express`: express (4 and 5) and connect middleware. It names requests and
 * responses by shape only (node's own ServerResponse methods), so this module loads without
 * express or @types/express, and express's Request and Response fit it.
 */
export type RequestLike = {
  headers: {
    authorization?: string | undefined;
    dpop?: string | string[] | undefined;
    host?: string | undefined;
  };
  principal?: Principal | undefined;
  [REALM]?: string;
  [SCHEME]?: readonly string[] | undefined;
  [CHALLENGE_ATTRIBUTES]?: Record<string, string>;
  // What a DPoP proof is checked against; express sets all of them, connect the last two.
  protocol?: string;
  originalUrl?: string;
  method?: string | undefined;
  url?: string | undefined;
};

export type ResponseLike = {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
};

export type { PublicUrlOptions, ResourceMetadataOptions, ScopeOptions, TokenOptions };
export { serveProtectedResourceMetadata } from './express-resource-metadata.ts';

export type NextLike = (error?: unknown) => void;

declare global {
  // Types `req.principal` for express users; a plain interface merge, erased at run time.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: Principal | undefined;
    }
  }
}

const send = (res: ResponseLike, answer: Answer): void => {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.end(JSON.stringify(answer.body));
};

/** The headers, method and URL a DPoP proof is checked against. */
const facts = (req: RequestLike, publicUrl: string | undefined): RequestFacts => {
  const path = req.originalUrl ?? req.url ?? '/';
  const { dpop } = req.headers;
  return {
    authorization: req.headers.authorization,
    // Repeated DPoP headers are refused; joined like node joins them, the proof check sees the comma.
    dpop: Array.isArray(dpop) ? dpop.join(', ') : dpop,
    method: req.method ?? 'GET',
    url: () =>
      requestUrl(
        publicUrl,
        () => `${req.protocol ?? 'http'}://${req.headers.host ?? 'localhost'}${path}`,
        path,
      ),
  };
};

/**
 * Answers 401 (no token, or an invalid one) or 503 (Tessera unreachable), and otherwise puts the
 * principal on `req.principal`.
 */
export const requireToken = (
  verifier: Verifier,
  options: TokenOptions & PublicUrlOptions & ResourceMetadataOptions = {},
) => {
  const realm = options.realm ?? verifier.audience;
  const extra = resourceMetadataAttributes(options.resourceMetadata);
  checkPublicUrl(options.publicUrl);
  return (req: RequestLike, res: ResponseLike, next: NextLike): void => {
    authenticateRequest(verifier, facts(req, options.publicUrl), realm, options.onError).then((result) => {
      if ('answer' in result) return send(res, withChallengeAttributes(result.answer, extra));
      req.principal = result.principal;
      req[REALM] = realm;
      req[SCHEME] = dpopAlgorithmsFor(verifier, result.scheme);
      req[CHALLENGE_ATTRIBUTES] = extra;
      next();
    }, next);
  };
};

/**
 * Answers 403 insufficient_scope unless the principal has `scope` (on `resource`, for RATs).
 * `resource` may be a function of the request, e.g. `(req) => ({ type: 'applications', id: req.params.id })`.
 */
export const requireScope = <Request extends RequestLike = RequestLike & { params: Record<string, string> }>(
  scope: string,
  options: ScopeOptions<Request> = {},
) => {
  return (req: Request, res: ResponseLike, next: NextLike): void => {
    const principal = req.principal;
    if (!principal) return next(missingPrincipal());
    const realm = options.realm ?? req[REALM] ?? 'api';
    authorize(principal, scope, options, req, realm).then(
      (answer) =>
        answer
          ? send(res, withChallengeAttributes(inScheme(answer, req[SCHEME]), req[CHALLENGE_ATTRIBUTES]))
          : next(),
      next,
    );
  };
};

/** The principal requireToken put on the request; throws when requireToken did not run. */
export const principalOf = (req: { principal?: Principal | undefined }): Principal => {
  if (!req.principal) throw missingPrincipal();
  return req.principal;
};
