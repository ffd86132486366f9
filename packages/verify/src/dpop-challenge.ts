import { type Answer, failed, missingToken, type TokenOptions } from './bearer-challenge.ts';
import { VerifyError } from './errors.ts';
import type { Principal } from './principal.ts';
import type { Verifier } from './verifier.ts';

/**
 * What the middleware share for reading `Authorization: Bearer …` (RFC 6750 §2.1) and
 * `Authorization: DPoP …` with its `DPoP` proof header (RFC 9449 §7.1), and for answering in the
 * scheme the request used: `DPoP` challenges name the proof algorithms accepted (`algs`), and a
 * `use_dpop_nonce` answer carries the nonce in `DPoP-Nonce`.
 */
export type Scheme = 'Bearer' | 'DPoP';

/** What the middleware read from the request; `url` is computed only when a proof needs it. */
export type RequestFacts = {
  authorization: string | undefined;
  dpop: string | undefined;
  method: string;
  url: () => string;
};

export type PublicUrlOptions = {
  /**
   * The URL callers reach this API at (scheme, host, and any path prefix a proxy removes), e.g.
   * `https://api.example.test`: a DPoP proof names the URL its client called (`htu`), which a
   * TLS-terminating proxy hides from the API. Default: read from the request (koa's `ctx.origin`,
   * honouring `app.proxy`; express's `req.protocol` and Host, honouring `trust proxy`).
   */
  publicUrl?: string;
};

/** Where requireToken leaves the DPoP algorithms when the request used DPoP, so requireScope answers in that scheme. */
export const SCHEME: unique symbol = Symbol('tessera.verify.scheme');

// RFC 6750 §2.1 and RFC 9449 §7.1: the scheme (any case), one or more spaces, a token68.
const CREDENTIALS = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i;
const SCHEME_NAME = /^(bearer|dpop)(\s|$)/i;

const quoted = (value: string): string => `"${value.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?')}"`;

export const dpopChallenge = (
  realm: string,
  algorithms: readonly string[],
  attributes: Record<string, string> = {},
): string =>
  `DPoP ${Object.entries({ realm, ...attributes, algs: algorithms.join(' ') })
    .map(([name, value]) => `${name}=${quoted(value)}`)
    .join(', ')}`;

/** The request URL: the API's public one joined with the path, or the one the framework saw. */
export const requestUrl = (publicUrl: string | undefined, seen: () => string, path: string): string =>
  publicUrl === undefined
    ? seen()
    : `${publicUrl.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;

export const checkPublicUrl = (publicUrl: string | undefined): void => {
  if (publicUrl !== undefined && (!URL.canParse(publicUrl) || !/^https?:/i.test(publicUrl)))
    throw new TypeError('publicUrl must be an absolute http(s) URL');
};

/** No credentials: a Bearer challenge, and a DPoP one when the verifier checks proofs. */
const noToken = (verifier: Verifier, realm: string): Answer => {
  const answer = missingToken(realm);
  if (!verifier.dpop) return answer;
  const dpop = dpopChallenge(realm, verifier.dpop.algorithms);
  if (!verifier.dpop.required)
    return {
      ...answer,
      headers: { ...answer.headers, 'www-authenticate': `${answer.headers['www-authenticate']}, ${dpop}` },
    };
  return {
    ...answer,
    headers: { ...answer.headers, 'www-authenticate': dpop },
    body: {
      error_description: 'this API needs a DPoP-bound token (Authorization: DPoP … and a DPoP proof header)',
    },
  };
};

/** A refusal, in the scheme the request used (or DPoP, when the API takes nothing else). */
export const refusal = (verifier: Verifier, error: VerifyError, realm: string, scheme: Scheme): Answer => {
  const answer = failed(error, realm);
  if (error.code === 'temporarily_unavailable' || !verifier.dpop) return answer;
  const { algorithms, required } = verifier.dpop;
  const proofFault = error.code === 'invalid_dpop_proof' || error.code === 'use_dpop_nonce';
  const headers = { ...answer.headers };
  if (scheme === 'Bearer' && !proofFault && !required) {
    // Also tell the client DPoP is understood here (a DPoP-bound token sent as Bearer lands here).
    headers['www-authenticate'] = `${headers['www-authenticate']}, ${dpopChallenge(realm, algorithms)}`;
    return { ...answer, headers };
  }
  headers['www-authenticate'] = dpopChallenge(realm, algorithms, {
    error: error.code,
    error_description: error.message,
  });
  if (error.dpopNonce !== undefined) headers['dpop-nonce'] = error.dpopNonce;
  return { ...answer, headers };
};

/** Reads and verifies the Authorization (and DPoP) headers: a principal, or the answer to send. */
export const authenticateRequest = async (
  verifier: Verifier,
  request: RequestFacts,
  realm: string,
  onError: TokenOptions['onError'],
): Promise<{ principal: Principal; scheme: Scheme } | { answer: Answer }> => {
  const { authorization } = request;
  // A missing header, or another scheme (Basic, …), means the request brought no token.
  const named = authorization ? SCHEME_NAME.exec(authorization) : null;
  if (!named?.[1] || (named[1].toLowerCase() === 'dpop' && !verifier.dpop))
    return { answer: noToken(verifier, realm) };
  const scheme: Scheme = named[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  const match = CREDENTIALS.exec(authorization ?? '');
  try {
    if (!match?.[2]) throw new VerifyError('invalid_token', 'the Authorization header is malformed');
    const principal =
      scheme === 'DPoP'
        ? await verifier.verify(match[2], { method: request.method, url: request.url(), proof: request.dpop })
        : await verifier.verify(match[2]);
    return { principal, scheme };
  } catch (error) {
    if (!(error instanceof VerifyError)) throw error;
    onError?.(error);
    return { answer: refusal(verifier, error, realm, scheme) };
  }
};

/** The DPoP algorithms to name in requireScope's 403 when the request used DPoP, else undefined. */
export const dpopAlgorithmsFor = (verifier: Verifier, scheme: Scheme): readonly string[] | undefined =>
  scheme === 'DPoP' ? verifier.dpop?.algorithms : undefined;

/** requireScope's 403, in the DPoP scheme when requireToken saw one (RFC 9449 §7.1). */
export const inScheme = (answer: Answer, dpopAlgorithms: readonly string[] | undefined): Answer => {
  const challenge = answer.headers['www-authenticate'];
  if (!dpopAlgorithms || !challenge?.startsWith('Bearer ')) return answer;
  return {
    ...answer,
    headers: {
      ...answer.headers,
      'www-authenticate': `DPoP ${challenge.slice('Bearer '.length)}, algs=${quoted(dpopAlgorithms.join(' '))}`,
    },
  };
};
