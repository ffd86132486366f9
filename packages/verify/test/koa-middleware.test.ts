import { createServer } from 'node:http';
import { Router, type RouterContext } from '@koa/router';
import Koa from 'koa';
import { principalOf, requireScope, requireToken } from '../src/koa.ts';
import { describeMiddleware } from './middleware-contract.ts';
import { serve, tableVerifier } from './middleware-support.ts';

describeMiddleware('@tessera/verify/koa', {
  routes: (t) => {
    const verifier = tableVerifier();
    const router = new Router();
    router.get('/me', requireToken(verifier), (ctx) => {
      const principal = principalOf(ctx);
      ctx.body = { subject: principal.subject, attached: ctx.state.principal === principal };
    });
    router.get('/groups', requireToken(verifier), requireScope('groups:read-only'), (ctx) => {
      ctx.body = { ok: true };
    });
    router.post('/groups', requireToken(verifier), requireScope('groups:read-write'), (ctx) => {
      ctx.body = { ok: true };
    });
    router.get(
      '/groups/:group/applications/:id',
      requireToken(verifier),
      requireScope('applications:read-only', {
        resource: (ctx: RouterContext) => ({
          type: 'applications',
          id: ctx.params.id!,
          ancestors: [{ type: 'groups', id: ctx.params.group! }],
        }),
      }),
      (ctx) => {
        ctx.body = { ok: true };
      },
    );
    router.get('/forgot-require-token', requireScope('groups:read-only'), (ctx) => {
      ctx.body = { ok: true };
    });
    const koa = new Koa();
    koa.silent = true;
    koa.use(router.routes());
    return serve(t, createServer(koa.callback()));
  },

  appWide: (t, { token, scope }) => {
    const koa = new Koa();
    koa.use(requireToken(tableVerifier(), token));
    if (scope) koa.use(requireScope(scope));
    koa.use((ctx) => {
      ctx.body = { subject: principalOf(ctx).subject };
    });
    return serve(t, createServer(koa.callback()));
  },
});
