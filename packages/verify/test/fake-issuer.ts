import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { formatToken } from '../src/token-format.ts';
import type { Scope } from '../../../test/helpers/tessera-process.ts';

/**
 * A stand-in for Tessera over real HTTP on 127.0.0.1: discovery, a JWKS the test can rotate, and an
 * introspection endpoint whose answer the test decides. It counts every request, so tests can
 * prove that something was (or was not) asked.
 */
export const AUDIENCE = 'https://api.example.test';
/** A fixed time (epoch ms) the tests' clocks start from, so expiry maths never depends on now. */
export const T0 = Date.parse('2030-01-01T00:00:00Z');

export type SigningKey = { kid: string; alg: string; privateKey: CryptoKey; publicJwk: JWK };

export const signingKey = async (kid: string, alg = 'ES256'): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
};

export type IntrospectionReply =
  { status?: number; json: unknown } | { status?: number; text: string } | 'hang';

export type IntrospectionRequest = { authorization: string | undefined; form: URLSearchParams };

export type FakeIssuer = Awaited<ReturnType<typeof startFakeIssuer>>;

const readBody = async (request: IncomingMessage): Promise<string> => {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
};

export const startFakeIssuer = async (t: Scope) => {
  const counts = { discovery: 0, jwks: 0, introspection: 0, other: 0 };
  const introspections: IntrospectionRequest[] = [];
  const state = {
    /** Keys published at /jwks; the first one signs by default. */
    published: [await signingKey('tessera-key-1')],
    introspect: (_request: IntrospectionRequest): IntrospectionReply => ({ json: { active: false } }),
  };
  const hanging: ServerResponse[] = [];

  const server = createServer(async (request, response) => {
    const send = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    const url = new URL(request.url ?? '/', issuer);
    if (request.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      counts.discovery += 1;
      return send(
        200,
        JSON.stringify({
          issuer,
          jwks_uri: `${issuer}/jwks`,
          introspection_endpoint: `${issuer}/token/introspection`,
        }),
      );
    }
    if (request.method === 'GET' && url.pathname === '/jwks') {
      counts.jwks += 1;
      return send(200, JSON.stringify({ keys: state.published.map((key) => key.publicJwk) }));
    }
    if (request.method === 'POST' && url.pathname === '/token/introspection') {
      counts.introspection += 1;
      const seen = {
        authorization: request.headers.authorization,
        form: new URLSearchParams(await readBody(request)),
      };
      introspections.push(seen);
      const reply = state.introspect(seen);
      if (reply === 'hang') return void hanging.push(response);
      if ('json' in reply) return send(reply.status ?? 200, JSON.stringify(reply.json));
      return send(reply.status ?? 200, reply.text, 'text/html');
    }
    counts.other += 1;
    return send(404, '{"error":"not_found"}');
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(
    () =>
      new Promise<void>((closed) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => closed());
      }),
  );

  /** Signs an access token the way Tessera does (RFC 9068), with whatever the test overrides. */
  const sign = async (
    options: {
      claims?: JWTPayload;
      header?: Record<string, unknown>;
      key?: SigningKey;
      now?: number;
    } = {},
  ): Promise<string> => {
    const key = options.key ?? state.published[0]!;
    const iat = Math.floor((options.now ?? T0) / 1000);
    return new SignJWT({
      iss: issuer,
      sub: 'cl_billing',
      aud: AUDIENCE,
      client_id: 'cl_billing',
      scope: 'groups:read-only',
      iat,
      exp: iat + 300,
      jti: randomUUID(),
      ...options.claims,
    })
      .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...options.header })
      .sign(key.privateKey);
  };

  return { issuer, counts, introspections, state, sign, server };
};

/** An opaque client-credentials token as Tessera makes them: 43 base64url characters. */
export const opaqueToken = (): string => randomBytes(32).toString('base64url');

export const personalToken = (): string => formatToken('personal', randomBytes(32));
export const resourceToken = (): string => formatToken('resource', randomBytes(32));

/** A clock the test moves by hand. */
export const manualClock = (start = T0) => {
  const clock = { time: start, now: () => clock.time, advance: (ms: number) => void (clock.time += ms) };
  return clock;
};

/** Wraps fetch to count every call a verifier makes, wherever it goes. */
export const countingFetch = () => {
  const calls: string[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    calls.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  };
  return { calls, fetch: fetchImpl };
};
