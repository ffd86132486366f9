import {
  type Answer,
  authenticate,
  authorize,
  missingPrincipal,
  REALM,
  type ScopeOptions,
  type TokenOptions,
} from './bearer-challenge.ts';
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
  headers: { authorization?: string | undefined };
  principal?: Principal | undefined;
  [REALM]?: string;
  [CHALLENGE_ATTRIBUTES]?: Record<string, string>;
};

export type ResponseLike = {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
};

export type { ResourceMetadataOptions, ScopeOptions, TokenOptions };
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

/**
 * Answers 401 (no token, or an invalid one) or 503 (Tessera unreachable), and otherwise puts the
 * principal on `req.principal`.
 */
export const requireToken = (verifier: Verifier, options: TokenOptions & ResourceMetadataOptions = {}) => {
  const realm = options.realm ?? verifier.audience;
  const extra = resourceMetadataAttributes(options.resourceMetadata);
  return (req: RequestLike, res: ResponseLike, next: NextLike): void => {
    authenticate(verifier, req.headers.authorization, realm, options.onError).then((result) => {
      if ('answer' in result) return send(res, withChallengeAttributes(result.answer, extra));
      req.principal = result.principal;
      req[REALM] = realm;
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
      (answer) => (answer ? send(res, withChallengeAttributes(answer, req[CHALLENGE_ATTRIBUTES])) : next()),
      next,
    );
  };
};

/** The principal requireToken put on the request; throws when requireToken did not run. */
export const principalOf = (req: { principal?: Principal | undefined }): Principal => {
  if (!req.principal) throw missingPrincipal();
  return req.principal;
};
