/**
 * The ONLY module that reaches into oidc-provider beyond its documented configuration.
 * Each patch names the internal it depends on, so an upgrade of the pinned version knows what to
 * re-check: test/unit/oidc/provider-internals.test.ts checks every one of them against the library.
 */
import type { IncomingMessage } from 'node:http';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import validateDpop, { checkDpopReplay } from 'oidc-provider/lib/helpers/validate_dpop.js';

/**
 * Client secrets are stored as HMAC(pepper, secret), so the registered `client_secret` the library
 * sees is that digest. `Client.prototype.compareClientSecret(actual)` (lib/models/client.js) is the
 * single place the library compares a presented secret; we hash the presented value first.
 */
export const compareClientSecretsByHash = (
  provider: Provider,
  secretMatches: (clientId: string, actual: string) => Promise<boolean>,
): void => {
  const prototype = (provider.Client as unknown as { prototype: { clientSecret?: string } }).prototype as {
    compareClientSecret: (this: { clientId: string }, actual: string) => Promise<boolean>;
  };
  // The library awaits the answer (lib/shared/client_auth.js), so it may read the client record:
  // a rotated secret's predecessor is accepted there during its overlap.
  prototype.compareClientSecret = async function compareClientSecret(actual) {
    return typeof actual === 'string' ? secretMatches(this.clientId, actual) : false;
  };
};

/**
 * oidc-provider answers a client that may not use a grant with `invalid_request` and this exact
 * description (lib/actions/token.js, allowedGrantTypeCheck); RFC 6749 §5.2 calls it
 * `unauthorized_client`.
 */
export const GRANT_NOT_ALLOWED_DESCRIPTION = 'requested grant type is not allowed for this client';

/**
 * oidc-provider answers a request that carries no client authentication at all with
 * `invalid_request` (400) and this exact description (lib/shared/client_auth.js); RFC 6749 §5.2
 * and RFC 7662 §2.1 call it `invalid_client`, 401, with a challenge.
 */
export const NO_CLIENT_AUTHENTICATION_DESCRIPTION = 'no client authentication mechanism provided';

/** The error oidc-provider raises for JWTs at introspection and revocation (lib/shared/reject_structured_tokens.js). */
export const STRUCTURED_TOKEN_ERROR = 'unsupported_token_type';

/**
 * The library reads a POST body from the request stream itself (lib/shared/selective_body.js reads
 * `req.readable`, `req.readableEncoding` and `req.iterator()`). The fast lane reads the body first;
 * to hand a request it does not answer to the library unchanged, it puts the bytes back behind
 * exactly those three.
 */
export const replayRequestBody = (req: IncomingMessage, body: Buffer): void => {
  Object.defineProperties(req, {
    readable: { value: true, configurable: true },
    readableEncoding: { value: null, configurable: true },
    iterator: {
      value: async function* replay() {
        yield body;
      },
      configurable: true,
    },
  });
};

/**
 * A ClientCredentials token for a client known by its id. The typed constructor asks for a built
 * `Client`, but the model keeps nothing of it except `clientId` (lib/models/base_token.js) — a
 * token loaded from storage carries only the id too — and building a `Client` validates all of
 * its metadata: the most expensive step of the first token of every client.
 */
export const newClientCredentials = (
  provider: Provider,
  clientId: string,
  scope: string | undefined,
): InstanceType<Provider['ClientCredentials']> =>
  new provider.ClientCredentials({ clientId, scope } as unknown as ConstructorParameters<
    Provider['ClientCredentials']
  >[0]);

/**
 * The library's DPoP proof check (lib/helpers/validate_dpop.js, the `validateDpop` and
 * `checkDpopReplay` its own grants are handed): signature, `typ`, `htm`, `htu`, `iat`, server
 * nonce — setting the `DPoP-Nonce` header and raising `use_dpop_nonce` as configured — and the
 * `jti` replay check. Tessera's own grants (client_credentials, token exchange) are registered with
 * `registerGrantType`, which hands them no helpers, so they reach the same two functions here:
 * a proof is judged by one piece of code whatever the grant. Resolves to the proof key's
 * thumbprint (RFC 7638), or undefined when the request carries no `DPoP` header.
 */
export const verifiedDpopThumbprint = async (
  provider: Provider,
  ctx: KoaContextWithOIDC,
  clientId: string,
): Promise<string | undefined> => {
  const proof = await validateDpop(provider, ctx);
  if (!proof) return undefined;
  await checkDpopReplay(provider, ctx, proof, clientId);
  return proof.thumbprint;
};

/**
 * Why the library's grants refuse a client registered with `dpop_bound_access_tokens` that sends
 * no proof (lib/helpers/sender_constraints.js, checkDpopRequired): an `invalid_grant` with this
 * `error_detail`, which missing-dpop-proof-answer.ts answers as RFC 9449's `invalid_dpop_proof`.
 */
export const DPOP_PROOF_MISSING_DESCRIPTION = 'DPoP proof JWT not provided';
