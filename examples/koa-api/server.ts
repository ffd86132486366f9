/**
 * A tiny platform API protected by Tessera: groups, applications and instances, each route asking
 * `@tessera/verify` for one scope on one resource. It accepts every kind of Tessera token — a
 * service's client-credentials JWT, a person's PAT, a resource's RAT, and a JWT exchanged for a
 * PAT or RAT — and answers RFC 6750 errors (401 invalid_token, 403 insufficient_scope).
 *
 *   TESSERA_ISSUER=http://localhost:3000 API_AUDIENCE=https://api.example.test \
 *   API_CLIENT_ID=… API_CLIENT_SECRET=… node examples/koa-api/server.ts
 *
 * See README.md next to this file for the Tessera side (API, clients, users, tokens).
 */
import { createServer } from 'node:http';
import { Router, type RouterContext } from '@koa/router';
import Koa from 'koa';
import { createVerifier, type Verifier } from '@tessera/verify';
import { principalOf, requireScope, requireToken } from '@tessera/verify/koa';
import { createResourceTree, type ResourceTree, type ResourceType } from './resource-tree.ts';

const MAX_BODY_BYTES = 16 * 1024;

/** Koa parses no bodies; a small JSON reader keeps the example free of more dependencies. */
const readJson = async (ctx: Koa.Context): Promise<Record<string, unknown>> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) ctx.throw(413, 'body too large');
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  return ctx.throw(400, 'the body must be a JSON object');
};

export const createExampleApi = (verifier: Verifier, tree: ResourceTree = createResourceTree()): Koa => {
  const router = new Router();

  // The resource a route acts on, with its ancestors, for requireScope: a RAT for group 42 may act
  // on application 7 because group 42 is among its ancestors.
  const on =
    (type: ResourceType) =>
    (ctx: RouterContext): ReturnType<ResourceTree['target']> =>
      tree.target(type, ctx.params.id as string);

  const found = (ctx: RouterContext, type: ResourceType) => {
    const resource = tree.find(type, ctx.params.id as string);
    return resource ?? ctx.throw(404, `no such ${type.slice(0, -1)}`);
  };

  router.use(requireToken(verifier));

  router.get('/me', (ctx) => {
    const { subject, kind, clientId, tokenId, scopes, resource, role } = principalOf(ctx);
    ctx.body = { subject, kind, clientId, tokenId, scopes, resource, role };
  });

  router.get('/groups/:id', requireScope('groups:read-only', { resource: on('groups') }), (ctx) => {
    ctx.body = found(ctx, 'groups');
  });

  router.get(
    '/applications/:id',
    requireScope('applications:read-only', { resource: on('applications') }),
    (ctx) => {
      ctx.body = found(ctx, 'applications');
    },
  );

  router.put(
    '/applications/:id',
    requireScope('applications:read-write', { resource: on('applications') }),
    async (ctx) => {
      found(ctx, 'applications');
      const { name } = await readJson(ctx);
      if (typeof name !== 'string' || name.trim() === '')
        return ctx.throw(400, 'name must be a non-empty string');
      ctx.body = tree.rename('applications', ctx.params.id as string, name.trim());
    },
  );

  router.get('/instances/:id', requireScope('instances:read-only', { resource: on('instances') }), (ctx) => {
    ctx.body = found(ctx, 'instances');
  });

  router.delete(
    '/instances/:id',
    requireScope('instances:read-write', { resource: on('instances') }),
    (ctx) => {
      found(ctx, 'instances');
      tree.remove('instances', ctx.params.id as string);
      ctx.status = 204;
    },
  );

  const app = new Koa();
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
};

if (import.meta.main) {
  const issuer = process.env.TESSERA_ISSUER ?? 'http://localhost:3000';
  const { API_CLIENT_ID: clientId, API_CLIENT_SECRET: clientSecret } = process.env;
  const verifier = createVerifier({
    issuer,
    audience: process.env.API_AUDIENCE ?? 'https://api.example.test',
    // Without these only JWTs are accepted; with them also opaque tokens, PATs and RATs.
    ...(clientId && clientSecret ? { introspection: { clientId, clientSecret } } : {}),
  });
  const port = Number(process.env.PORT ?? 4000);
  createServer(createExampleApi(verifier).callback()).listen(port, () => {
    console.log(`example API on http://localhost:${port}, trusting ${issuer}`);
  });
}
