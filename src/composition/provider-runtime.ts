import type { Provider } from 'oidc-provider';
import type { Config } from '../config/load-config.ts';
import { createProviderPages } from '../http/interaction/provider-pages.ts';
import { createLiveKeyRing, type KeyRingView } from '../keys/live-key-ring.ts';
import type { Logger } from '../logging/create-logger.ts';
import { createTokenPolicies } from '../oidc/configuration/token-policies.ts';
import { createProvider } from '../oidc/create-provider.ts';
import { createFastLane, type FastLane } from '../oidc/fast-lane/create-fast-lane.ts';
import { createJwtAccessTokens, type JwtAccessTokens } from '../oidc/jwt-access-tokens.ts';
import { cacheStats, introspectionCounter } from '../metrics/counters.ts';
import type { Metrics } from '../metrics/create-metrics.ts';
import { countFastLaneIntrospections } from '../oidc/middleware/introspection-outcomes.ts';
import { observeTokenIssuance } from '../oidc/token-issuance-metrics.ts';
import type { Services } from './open-services.ts';
import { createPepperHash } from '../crypto/pepper-hash.ts';
import { createMemoryAttemptCounters } from '../storage/attempt-counters.ts';
import type { ClientRegistrationDeps } from '../oidc/configuration/client-registration.ts';
import { createRegistrationRateLimit } from '../oidc/middleware/registration-rate-limit.ts';
import { createMetadataDocumentClients } from '../oidc/configuration/client-id-metadata-documents.ts';

/** Everything that signs or checks with the signing keys; rebuilt whole when they change. */
export type ProviderRuntime = {
  provider: Provider;
  jwtAccessTokens: JwtAccessTokens;
  fastLane: FastLane | undefined;
};

export type ProviderRuntimeDeps = {
  config: Pick<Config, 'issuer' | 'trustProxy' | 'fastLane' | 'dpopRequireNonce'> &
    Partial<Pick<Config, 'registration' | 'clientIdMetadataDocuments' | 'outboundAllowHosts'>>;
  services: Services;
  logger: Logger;
  /** The server's metrics: tokens issued, introspections, the fast lane's cache, key ages. */
  metrics?: Metrics;
};

/**
 * The signing keys, kept current (the key file or the keys table is followed, and re-read on
 * SIGHUP), and the
 * oidc-provider runtime built over them: the provider, JWT access tokens and the fast lane.
 */
export const startProviderRuntime = async ({ config, services, logger, metrics }: ProviderRuntimeDeps) => {
  const { storage, domain, clients, apiResources } = services;
  const secretHash = domain.clientSecretHash;
  const pages = createProviderPages({ clients });
  const onIntrospection = metrics && introspectionCounter(metrics);
  const credentialStats = metrics && cacheStats(metrics, 'client_credentials');
  // Made once, not per key rotation: the rate limit's windows and the registration wiring outlive a rebuild.
  const registration: ClientRegistrationDeps | undefined =
    config.registration && config.registration.mode !== 'off'
      ? {
          policy: { mode: config.registration.mode, resources: config.registration.resources },
          clientService: domain.clients,
          registrationTokens: domain.registrationTokens,
          durableModels: storage.durableModels,
        }
      : undefined;
  const registrationRateLimit =
    registration &&
    config.registration &&
    createRegistrationRateLimit({
      counters: storage.attemptCounters,
      fallback: createMemoryAttemptCounters({ maxKeys: 10_000 }),
      perMinute: config.registration.perMinute,
      hashAddress: createPepperHash(services.secrets.pepper, 'registration-address').digest,
    });
  const metadataDocuments = config.clientIdMetadataDocuments
    ? createMetadataDocumentClients({
        enabled: true,
        resources: config.registration?.resources ?? [],
        apiResources,
      })
    : undefined;
  // Every check of a token consults the revocations Postgres records: loaded before the first request.
  await storage.revocations.start({
    onError: (error) => logger.error({ err: error }, 'reading revocations failed; retrying'),
  });

  const build = (keys: KeyRingView): ProviderRuntime => {
    const jwtAccessTokens = createJwtAccessTokens({
      issuer: config.issuer,
      publicJwks: keys.publicJwks,
      revocations: domain.revocations,
      subjectTokens: domain.accessTokenResolver,
    });
    const provider = createProvider({
      issuer: config.issuer,
      cookieKeys: services.secrets.cookieKeys,
      dpopRequireNonce: config.dpopRequireNonce,
      jwks: keys.providerJwks,
      jwtAccessTokens,
      adapterFactory: storage.tokenStore,
      clients: metadataDocuments ? metadataDocuments.lookup(clients) : clients,
      apiResources,
      apiScopes: async () => (await domain.apiResources.list()).flatMap((api) => api.scopes),
      secretHash,
      accessTokens: domain.accessTokenResolver,
      revocations: domain.revocations,
      tokenStoreKey: storage.hashTokenStoreId,
      trustProxy: config.trustProxy,
      accounts: domain.users,
      pages,
      onServerError: (error, ctx) =>
        logger.error({ err: error, path: ctx.path }, 'oidc-provider server error'),
      onIntrospection,
      ...(registration ? { registration, registrationRateLimit } : {}),
      ...(metadataDocuments ? { clientIdMetadataDocuments: metadataDocuments } : {}),
      outboundAllowHosts: config.outboundAllowHosts ?? [],
    });
    if (metrics) observeTokenIssuance(provider, metrics.tokensIssued);
    const fastLane = config.fastLane
      ? createFastLane(
          {
            clients,
            apiResources,
            jwks: keys.providerJwks,
            secretHash,
            accessTokens: domain.accessTokenResolver,
            policies: createTokenPolicies(clients),
            jwtAccessTokens,
            logger,
            credentialStats,
          },
          provider,
        )
      : undefined;
    return {
      provider,
      jwtAccessTokens,
      fastLane:
        fastLane && onIntrospection ? countFastLaneIntrospections(fastLane, onIntrospection) : fastLane,
    };
  };

  const keyRing = await createLiveKeyRing({
    source: services.signingKeys.source({
      onPollError: (error) =>
        logger.warn({ err: error }, 'reading the signing keys failed; keeping the keys in use, retrying'),
    }),
    logger,
    onChange: () => {
      runtime = build(keyRing.current());
      logger.info({ kids: keyRing.current().signingKids }, 'signing keys reloaded');
    },
  });
  let runtime = build(keyRing.current());
  metrics?.watchSigningKeys(() => keyRing.current().signingKeys);
  const reloadKeys = () => void keyRing.reload();
  process.on('SIGHUP', reloadKeys);

  return {
    /** The runtime in service now: read it per request, it is replaced when the keys change. */
    current: (): ProviderRuntime => runtime,
    keys: (): KeyRingView => keyRing.current(),
    stop() {
      process.off('SIGHUP', reloadKeys);
      keyRing.stop();
      void storage.revocations.stop();
    },
  };
};

export type RunningProvider = Awaited<ReturnType<typeof startProviderRuntime>>;
