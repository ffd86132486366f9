import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VerifyError } from '../src/errors.ts';
import type { Verifier } from '../src/index.ts';
import { createPrincipal, type PrincipalFields } from '../src/principal.ts';
import type { Scope } from '../../../test/helpers/tessera-process.ts';
import { AUDIENCE } from './fake-issuer.ts';

/**
 * What the koa and express middleware tests share: a verifier that answers from a table (the
 * middleware is under test here, not token validation), and a way to serve an app on port 0.
 */
export const TOKENS = {
  reader: 'reader-token',
  writer: 'writer-token',
  rat: 'rat-token',
  down: 'down-token',
};

const fields = (extra: Partial<PrincipalFields>): PrincipalFields => ({
  subject: 'cl_billing',
  clientId: 'cl_billing',
  scopes: [],
  kind: 'client',
  claims: {},
  ...extra,
});

export const tableVerifier = (): Verifier => ({
  issuer: 'https://auth.example.test',
  audience: AUDIENCE,
  async verify(token) {
    if (token === TOKENS.reader) return createPrincipal(fields({ scopes: ['groups:read-only'] }));
    if (token === TOKENS.writer) return createPrincipal(fields({ scopes: ['groups:read-write'] }));
    if (token === TOKENS.rat)
      return createPrincipal(
        fields({
          subject: 'bot_1',
          kind: 'resource',
          resource: { type: 'groups', id: '42' },
          role: 'maintainer',
          scopes: ['groups:read-write', 'applications:read-write'],
        }),
      );
    if (token === TOKENS.down)
      throw new VerifyError('temporarily_unavailable', 'token introspection failed: HTTP 502');
    throw new VerifyError('invalid_token', 'the token is not active (unknown, expired or revoked)');
  },
});

/** Serves on 127.0.0.1:0 until the test ends; returns the base URL. */
export const serve = async (t: Scope, server: Server): Promise<string> => {
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  t.after(
    () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

export const call = async (base: string, path: string, authorization?: string) => {
  const response = await fetch(`${base}${path}`, { headers: authorization ? { authorization } : {} });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined,
    headers: response.headers,
  };
};

/** The behaviour both middlewares must show, checked against an app serving the same routes. */
export const REALM = `realm="${AUDIENCE}"`;
