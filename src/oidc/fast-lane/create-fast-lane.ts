import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import { classifyError } from '../../errors.ts';
import type { Logger } from '../../logging/create-logger.ts';
import { sendOAuthError } from '../oauth-error-response.ts';
import type { ClientCredentialsDeps } from '../grants/client-credentials.ts';
import { type ClientAuthDeps, createClientAuthenticator } from './client-secret-auth.ts';
import { readFormPost } from './form-post.ts';
import { createIntrospectionLane, type IntrospectionLaneDeps } from './introspection-lane.ts';
import type { LaneRequest } from './lane-request.ts';
import { createTokenLane } from './token-lane.ts';

/**
 * The fast lane answers the two requests an authorization server serves most — a
 * client_credentials token and the introspection of one by its resource server — without the
 * library's generic per-request machinery (a second koa context, a dozen middleware, parameter
 * objects, a validated library `Client` per call). It answers only the plain, successful case,
 * with the library's own models and the very functions the full path uses; every other request —
 * an error, an unusual header or parameter, another grant, a JWT — is handed to the library as it
 * came, so the wire behaviour is the library's. test/e2e/fast-lane.test.ts compares both, answer
 * by answer. One exception: a store that does not answer gets its 503 here, never a second
 * attempt through the library. TESSERA_FAST_LANE=false turns it off.
 *
 * Returns true when it has answered.
 */
export type FastLane = (ctx: Context) => Promise<boolean>;

export type FastLaneDeps = ClientCredentialsDeps &
  ClientAuthDeps &
  IntrospectionLaneDeps & { logger: Logger };

type Lane = (request: LaneRequest) => Promise<Record<string, unknown> | undefined>;

/**
 * The headers the library's CORS exposes on each endpoint (lib/helpers/initialize_app.js): the
 * token endpoint adds `DPoP-Nonce`, since DPoP with server nonces is on (configuration/dpop.ts).
 */
const EXPOSED_HEADERS = new Map([
  ['/token', 'DPoP-Nonce,WWW-Authenticate'],
  ['/token/introspection', 'WWW-Authenticate'],
]);

export const createFastLane = (deps: FastLaneDeps, provider: Provider): FastLane => {
  const authenticate = createClientAuthenticator(deps);
  const lanes = new Map<string, Lane>([
    ['/token', createTokenLane(deps, provider, authenticate)],
    ['/token/introspection', createIntrospectionLane(deps, provider, authenticate)],
  ]);

  return async (ctx) => {
    const lane = lanes.get(ctx.path);
    if (!lane) return false;
    const form = await readFormPost(ctx);
    if (!form) return false;
    let body: Record<string, unknown> | undefined;
    try {
      if (form.params)
        body = await lane({ params: form.params, authorization: ctx.headers.authorization, ip: ctx.ip });
    } catch (error) {
      // A store that did not answer is answered here, at once: handing the request to the library
      // would only try the same store a second time.
      if (classifyError(error).code === 'storage_unavailable') {
        sendOAuthError(ctx, error);
        return true;
      }
      // A bug here: the library gets the request and answers it its own way.
      deps.logger.warn(
        { err: error, path: ctx.path },
        'fast lane failed; handing the request to the provider',
      );
    }
    if (!body) {
      form.handOver();
      return false;
    }
    // Written straight to the response: koa's body setter and respond() (type sniffing, a MIME
    // lookup, header validation per set) cost more than the answer itself. The headers are what
    // koa and the library send for these endpoints (no_cache.js, cors.js without an Origin), in
    // the same order after X-Request-Id; test/e2e/fast-lane.test.ts compares them.
    ctx.state.fastLaneAnswer = body; // for the introspection metrics (introspection-outcomes.ts)
    const json = JSON.stringify(body);
    const { res } = ctx;
    ctx.respond = false;
    res.statusCode = 200;
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.get(ctx.path) ?? 'WWW-Authenticate');
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(json));
    res.end(json);
    return true;
  };
};
