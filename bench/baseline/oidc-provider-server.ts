import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { type Configuration, Provider } from 'oidc-provider';

/**
 * The baseline: a bare oidc-provider (the version in node_modules, which Tessera depends on) with
 * its in-memory adapter and static clients, configured like Tessera for the benched requests —
 * client_secret_basic, one resource indicator per API with the same token format, algorithm, TTL
 * and scopes, and an introspection policy that lets a resource server introspect its API's
 * tokens. It is the upper bound of the library Tessera builds on. Configured by BENCH_BASELINE
 * (JSON, see BaselineConfig); the bench starts and stops it.
 */
export type BaselineConfig = {
  port: number;
  issuer: string;
  clients: { clientId: string; clientSecret: string; scopes: string[]; introspects: string[] }[];
  resources: {
    identifier: string;
    format: 'jwt' | 'opaque';
    accessTokenTtl: number;
    scopes: string[];
    signingAlg: 'ES256';
  }[];
};

const config = JSON.parse(process.env.BENCH_BASELINE ?? '') as BaselineConfig;

// A fresh ES256 signing key per start: nothing is persisted.
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'baseline-es256' };

const resources = new Map(config.resources.map((resource) => [resource.identifier, resource]));
const introspects = new Map(config.clients.map((client) => [client.clientId, client.introspects]));
const ttl = (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
  token.resourceServer?.accessTokenTTL ?? 600;

const configuration: Configuration = {
  clients: config.clients.map((client) => ({
    client_id: client.clientId,
    client_secret: client.clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    ...(client.scopes.length > 0 ? { scope: client.scopes.join(' ') } : {}),
  })),
  // The only key is ES256; the library's default for ID tokens (RS256) would make every client invalid.
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  jwks: { keys: [jwk] } as Configuration['jwks'],
  cookies: { keys: ['baseline-cookie-key-0123456789abcdef0123456789'] },
  scopes: ['openid', 'offline_access', ...new Set(config.resources.flatMap((resource) => resource.scopes))],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // Same rule as Tessera's: the token's own client, or a resource server registered for its audience.
      allowedPolicy: async (_ctx, client, token) => {
        const aud = (token as unknown as { aud?: string | string[] }).aud;
        if (token.clientId === client.clientId) return true;
        const allowed = introspects.get(client.clientId) ?? [];
        return [aud ?? []].flat().some((audience) => allowed.includes(audience));
      },
    },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => config.resources[0]?.identifier as string,
      getResourceServerInfo: (_ctx, identifier) => {
        const resource = resources.get(identifier);
        if (!resource) throw new Error(`unknown resource ${identifier}`);
        return {
          scope: resource.scopes.join(' '),
          audience: resource.identifier,
          accessTokenTTL: resource.accessTokenTtl,
          accessTokenFormat: resource.format,
          ...(resource.format === 'jwt' ? { jwt: { sign: { alg: resource.signingAlg } } } : {}),
        };
      },
      useGrantedResource: () => true,
    },
  },
  ttl: { ClientCredentials: ttl, AccessToken: ttl },
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
};

const provider = new Provider(config.issuer, configuration);
const server = createServer(provider.callback());
server.keepAliveTimeout = 65_000; // as Tessera's
server.listen(config.port, '127.0.0.1', () => console.log(`baseline listening on ${config.port}`));

// A clean exit (not death by signal) so a --cpu-prof profile gets written.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
