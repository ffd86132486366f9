import type Koa from 'koa';
import type { Config } from '../config/load-config.ts';
import { createPepperHash } from '../crypto/pepper-hash.ts';
import { createSealedBox } from '../crypto/sealed-box.ts';
import { createSignIn } from '../domain/users/sign-in.ts';
import { createBearerAuthenticator } from '../http/authenticate-bearer.ts';
import { CONSOLE_SESSION_MODEL } from '../http/console/console-sessions.ts';
import { createConsole } from '../http/console/create-console.ts';
import { createApp } from '../http/create-app.ts';
import { createInteractionRoutes } from '../http/interaction/create-interaction-routes.ts';
import type { ReadinessCheck } from '../http/routes/health.ts';
import { createManagementApi } from '../http/v1/create-management-api.ts';
import { createSsfRoutes } from '../http/ssf/ssf-routes.ts';
import type { SsfTransmitter } from './ssf-transmitter.ts';
import { createLeakedTokenRoute } from '../http/leaked-tokens/leaked-token-route.ts';
import { createReportRateLimit } from '../http/leaked-tokens/report-rate-limit.ts';
import { createLeakedTokens } from '../oidc/leaked-tokens.ts';
import { createMemoryAttemptCounters } from '../storage/attempt-counters.ts';
import type { Logger } from '../logging/create-logger.ts';
import type { Metrics } from '../metrics/create-metrics.ts';
import type { Services } from './open-services.ts';
import type { RunningProvider } from './provider-runtime.ts';

export type HttpAppDeps = {
  config: Pick<
    Config,
    | 'issuer'
    | 'trustProxy'
    | 'tokenMaxLifetimeDays'
    | 'notices'
    | 'secretScanningKeys'
    | 'leakReportsPerMinute'
  >;
  services: Services;
  runtime: RunningProvider;
  logger: Logger;
  /** This process's own URL, known once it listens: the console calls its /token and /v1 over loopback. */
  selfUrl: () => string;
  /** The Shared Signals transmitter whose endpoints the app serves. */
  ssf: SsfTransmitter;
  /** True once the server is stopping (see main.ts). */
  draining?: () => boolean;
  metrics?: Metrics;
};

/** What /readyz (and the metrics' `tessera_ready`) checks: each store, and that signing keys are loaded. */
export const readinessChecks = (services: Services, runtime: RunningProvider): ReadinessCheck[] => [
  ...services.storage.readiness,
  { name: 'keys', check: async () => void runtime.keys() },
];

/** The koa app: the provider (and its fast lane), the management API, sign-in pages and the console. */
export const createHttpApp = ({
  config,
  services,
  runtime,
  logger,
  selfUrl,
  draining,
  metrics,
  ssf,
}: HttpAppDeps): Koa => {
  const { storage, domain, secrets } = services;
  const csrf = createPepperHash(secrets.pepper, 'csrf');
  const authenticate = createBearerAuthenticator({
    jwtAccessTokens: () => runtime.current().jwtAccessTokens,
    accessTokens: domain.accessTokenResolver,
    permissions: domain.permissions,
    clients: services.clients,
  });
  return createApp({
    logger,
    trustProxy: config.trustProxy,
    draining,
    metrics,
    provider: () => runtime.current().provider,
    fastLane: () => runtime.current().fastLane,
    leakedTokens: createLeakedTokenRoute({
      leakedTokens: createLeakedTokens({
        accessTokens: domain.accessTokens,
        jwtAccessTokens: () => runtime.current().jwtAccessTokens,
        provider: () => runtime.current().provider,
        revocations: domain.revocations,
        tokenStoreKey: storage.hashTokenStoreId,
      }),
      secretScanningKeys: config.secretScanningKeys,
      rateLimit: createReportRateLimit({
        counters: storage.attemptCounters,
        fallback: createMemoryAttemptCounters({ maxKeys: 10_000 }),
        perMinute: config.leakReportsPerMinute,
        addressHash: createPepperHash(secrets.pepper, 'leak-report-address'),
      }),
      logger,
    }),
    sharedSignals: createSsfRoutes({
      issuer: config.issuer,
      ssf: ssf.service,
      authenticate,
      signSet: ssf.signSet,
      logger,
    }),
    managementApi: createManagementApi({
      issuer: config.issuer,
      logger,
      authenticate,
      accessTokens: domain.accessTokens,
      tokenRules: { maxLifetimeDays: config.tokenMaxLifetimeDays, now: () => new Date() },
      resources: domain.resources,
      audit: domain.audit,
      clients: domain.clients,
      apiResources: domain.apiResources,
      authorizations: domain.authorizations,
      // Grants in the token store go at once (the embedded store has no revocation check of its own).
      destroyGrants: async (grantIds: string[]) => {
        const { provider } = runtime.current();
        await Promise.all(grantIds.map((grantId) => provider.AccessToken.revokeByGrantId(grantId)));
      },
      users: domain.users,
      signingKeys: domain.signingKeys,
      webhooks: domain.webhooks,
      registrationTokens: domain.registrationTokens,
    }),
    interactions: createInteractionRoutes({
      provider: () => runtime.current().provider,
      signIn: createSignIn({
        users: domain.users,
        counters: storage.attemptCounters,
        keyHash: createPepperHash(secrets.pepper, 'sign-in-attempts'),
      }),
      csrf,
      logger,
      apiName: async (identifier) => (await services.apiResources.get(identifier))?.name,
      recordAuthorization: domain.authorizations.record,
    }),
    console: createConsole({
      issuer: config.issuer,
      selfUrl,
      publicJwks: () => runtime.keys().publicJwks,
      sessionStore: storage.tokenStore(CONSOLE_SESSION_MODEL),
      sessionBox: createSealedBox(secrets.pepper, 'console-session'),
      signInBox: createSealedBox(secrets.pepper, 'console-sign-in'),
      csrf,
      policy: domain.policy,
      maxLifetimeDays: config.tokenMaxLifetimeDays,
      expiringSoonDays: config.notices.expiryDays[0],
      logger,
    }),
    readiness: readinessChecks(services, runtime),
  });
};
