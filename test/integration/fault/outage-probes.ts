import { JWT_API, OPAQUE_API, postForm, type RegisteredClient } from '../../helpers/tessera-setup.ts';

/**
 * One request per endpoint a storage outage concerns, each timed, as an operator's checklist:
 * the fault test asserts statuses and bodies with them, the bench's "answers during an outage"
 * scenario measures their latency.
 */
export type OutageFixtures = {
  url: string;
  billing: RegisteredClient;
  resourceServer: RegisteredClient;
  /** A PAT with tokens:read and tokens:write. */
  pat: string;
  jwt: string;
  opaque: string;
};

export type ProbeResult = {
  name: string;
  surface: 'oauth' | 'v1' | 'other';
  status: number;
  contentType: string;
  retryAfter: string | undefined;
  body: Record<string, unknown>;
  ms: number;
};

export type Probe = { name: string; run: () => Promise<ProbeResult> };

const timed = (name: string, surface: ProbeResult['surface'], request: () => Promise<Response>): Probe => ({
  name,
  run: async () => {
    const started = performance.now();
    const response = await request();
    const text = await response.text();
    const ms = Math.round(performance.now() - started);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text };
    }
    return {
      name,
      surface,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      retryAfter: response.headers.get('retry-after') ?? undefined,
      body,
      ms,
    };
  },
});

export const outageProbes = (f: OutageFixtures): Probe[] => {
  const bearer = { authorization: `Bearer ${f.pat}` };
  return [
    timed('token (JWT client)', 'oauth', () =>
      postForm(`${f.url}/token`, f.billing, { grant_type: 'client_credentials', resource: JWT_API }),
    ),
    timed('token (opaque client)', 'oauth', () =>
      postForm(`${f.url}/token`, f.billing, { grant_type: 'client_credentials', resource: OPAQUE_API }),
    ),
    timed('introspection of an opaque token', 'oauth', () =>
      postForm(`${f.url}/token/introspection`, f.resourceServer, { token: f.opaque }),
    ),
    timed('introspection of a JWT', 'oauth', () =>
      postForm(`${f.url}/token/introspection`, f.resourceServer, { token: f.jwt }),
    ),
    timed('introspection of a PAT', 'oauth', () =>
      postForm(`${f.url}/token/introspection`, f.resourceServer, { token: f.pat }),
    ),
    // An unknown token: revocation must still look it up (RFC 7009 answers 200 for it).
    timed('revocation', 'oauth', () =>
      postForm(`${f.url}/token/revocation`, f.billing, { token: 'not-a-token-anybody-holds' }),
    ),
    timed('v1 list', 'v1', () => fetch(`${f.url}/v1/access-tokens`, { headers: bearer })),
    timed('v1 create', 'v1', () =>
      fetch(`${f.url}/v1/access-tokens`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `outage ${Math.random()}`,
          scopes: ['tokens:read'],
          expires_in_days: 1,
        }),
      }),
    ),
    timed('jwks', 'other', () => fetch(`${f.url}/jwks`)),
    timed('discovery', 'other', () => fetch(`${f.url}/.well-known/openid-configuration`)),
    timed('readyz', 'other', () => fetch(`${f.url}/readyz`)),
  ];
};
