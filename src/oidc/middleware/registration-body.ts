import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Reads the JSON body of a registration request (POST /reg, PUT /reg/:id) before oidc-provider
 * does, for two reasons:
 *
 * - Size: a client's metadata is a few hundred bytes; more than REGISTRATION_BODY_LIMIT is refused
 *   with 413 and an OAuth error body, before any of it is parsed.
 * - `scope`: the library checks a registered `scope` against its static scope list (`openid`),
 *   but the scopes a client asks for are those of Tessera's APIs, which live in the database. The
 *   member is taken out here and kept in `ctx.state` for the Client adapter, which checks it
 *   against the APIs a registered client may use (configuration/client-registration.ts); the
 *   answer then names the scopes the client got.
 *
 * The parsed body is handed on as `ctx.request.body`, which the library reads instead of the
 * stream (its `selective_body.js` fallback).
 */
export const REGISTRATION_BODY_LIMIT = 16 * 1024;
export const REQUESTED_SCOPE_STATE = 'tesseraRegistrationScope';
export const REGISTERED_SCOPE_STATE = 'tesseraRegisteredScope';

const tooLarge = (ctx: KoaContextWithOIDC) => {
  ctx.status = 413;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'json';
  ctx.body = {
    error: 'invalid_request',
    error_description: `the registration request body is larger than ${REGISTRATION_BODY_LIMIT} bytes`,
  };
};

const readBody = async (ctx: KoaContextWithOIDC): Promise<Buffer | undefined> => {
  if (ctx.request.length !== undefined && ctx.request.length > REGISTRATION_BODY_LIMIT) return undefined;
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of ctx.req) {
    received += (chunk as Buffer).length;
    if (received > REGISTRATION_BODY_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, received);
};

export const createRegistrationBody = (path = '/reg') => {
  const clientPath = new RegExp(`^${path}/[^/]+$`);
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    const registration =
      (ctx.method === 'POST' && ctx.path === path) || (ctx.method === 'PUT' && clientPath.test(ctx.path));
    if (!registration || !ctx.is('application/json') || !ctx.req.readable) return next();
    const raw = await readBody(ctx);
    if (!raw) return tooLarge(ctx);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      // The library answers a body it cannot parse with its own invalid_request.
      (ctx.request as { body?: unknown }).body = raw.toString('utf8');
      return next();
    }
    if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'scope' in body) {
      const { scope, ...rest } = body as Record<string, unknown>;
      if (typeof scope !== 'string') {
        ctx.status = 400;
        ctx.type = 'json';
        ctx.body = { error: 'invalid_client_metadata', error_description: 'scope must be a string' };
        return;
      }
      ctx.state[REQUESTED_SCOPE_STATE] = scope;
      body = rest;
    }
    (ctx.request as { body?: unknown }).body = body;
    await next();
    const registered = ctx.state[REGISTERED_SCOPE_STATE];
    if (
      typeof registered === 'string' &&
      typeof ctx.body === 'object' &&
      ctx.body !== null &&
      ctx.status < 300
    )
      (ctx.body as Record<string, unknown>).scope = registered;
  };
};
