import { createServer } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import { principalOf, requireScope, requireToken } from '../src/express.ts';
import { describeMiddleware } from './middleware-contract.ts';
import { serve, tableVerifier } from './middleware-support.ts';

/** Errors passed to express become a bare 500, as an API would answer them. */
const quietErrors: ErrorRequestHandler = (_error, _req, res, _next) => {
  res.status(500).json({ error: 'server_error' });
};

describeMiddleware('@tessera/verify/express', {
  routes: (t) => {
    const verifier = tableVerifier();
    const api = express();
    api.get('/me', requireToken(verifier), (req, res) => {
      res.json({ subject: principalOf(req).subject, attached: req.principal === principalOf(req) });
    });
    api.get('/groups', requireToken(verifier), requireScope('groups:read-only'), (_req, res) => {
      res.json({ ok: true });
    });
    api.post('/groups', requireToken(verifier), requireScope('groups:read-write'), (_req, res) => {
      res.json({ ok: true });
    });
    api.get(
      '/groups/:group/applications/:id',
      requireToken(verifier),
      requireScope('applications:read-only', {
        resource: (req) => ({
          type: 'applications',
          id: req.params.id!,
          ancestors: [{ type: 'groups', id: req.params.group! }],
        }),
      }),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    api.get('/forgot-require-token', requireScope('groups:read-only'), (_req, res) => {
      res.json({ ok: true });
    });
    api.use(quietErrors);
    return serve(t, createServer(api));
  },

  appWide: (t, { token, scope }) => {
    const api = express();
    api.use(requireToken(tableVerifier(), token));
    if (scope) api.use(requireScope(scope));
    api.use((req, res) => {
      res.json({ subject: principalOf(req).subject });
    });
    return serve(t, createServer(api));
  },
});
