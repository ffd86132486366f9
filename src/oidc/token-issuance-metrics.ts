import { decodeJwt } from 'jose';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { Metrics } from '../metrics/create-metrics.ts';
import { TOKEN_EXCHANGE_GRANT } from './grants/token-exchange.ts';

/**
 * Counts the access tokens a provider issues, by grant, format and API, from the library's own
 * model events: `<model>.saved` for an opaque token (it is stored), `<model>.issued` for a JWT.
 * Every token model passes through `save()`, whether the fast lane or the library's route issued
 * it, so no hot-path code counts anything. Token exchange signs its JWT outside the models
 * (grants/token-exchange.ts) and is counted on the library's `grant.success`.
 */
type TokenModel = {
  gty?: string;
  aud?: string | string[];
  resourceServer?: { identifier(): string };
};

type Counter = Metrics['tokensIssued'];

const apiOf = (token: TokenModel): string =>
  token.resourceServer?.identifier() ?? [token.aud ?? 'none'].flat()[0] ?? 'none';

/** `gty` lists every grant a token descends from ("authorization_code refresh_token"): the last one issued it. */
const grantOf = (token: TokenModel): string => token.gty?.split(' ').at(-1) ?? 'authorization_code';

export const observeTokenIssuance = (provider: Provider, tokensIssued: Counter): void => {
  // grant → format → API → its series, bound at first use: no label string per token.
  const series = new Map<string, Map<string, Map<string, { inc(): void }>>>();
  const count = (grant: string, format: 'jwt' | 'opaque', api: string) => {
    let byFormat = series.get(grant);
    if (!byFormat) series.set(grant, (byFormat = new Map()));
    let byApi = byFormat.get(format);
    if (!byApi) byFormat.set(format, (byApi = new Map()));
    let counter = byApi.get(api);
    if (!counter) byApi.set(api, (counter = tokensIssued.bind({ grant, format, api })));
    counter.inc();
  };

  provider.on('client_credentials.saved', (token: TokenModel) =>
    count('client_credentials', 'opaque', apiOf(token)),
  );
  provider.on('client_credentials.issued', (token: TokenModel) =>
    count('client_credentials', 'jwt', apiOf(token)),
  );
  provider.on('access_token.saved', (token: TokenModel) => count(grantOf(token), 'opaque', apiOf(token)));
  provider.on('access_token.issued', (token: TokenModel) => count(grantOf(token), 'jwt', apiOf(token)));
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    if (ctx.oidc.params?.grant_type !== TOKEN_EXCHANGE_GRANT) return;
    const { access_token: token } = (ctx.body ?? {}) as { access_token?: unknown };
    if (typeof token !== 'string') return;
    count('token_exchange', 'jwt', apiOf({ aud: decodeJwt(token).aud ?? 'none' }));
  });
};
