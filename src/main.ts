import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Config, loadConfig } from './config/load-config.ts';
import { createPepperHash } from './crypto/pepper-hash.ts';
import { API_RESOURCES_TOPIC } from './domain/api-resources/api-resource-service.ts';
import { createCachedLookup } from './cache/cached-lookup.ts';
import { CLIENT_SECRET_HASH_PURPOSE } from './domain/clients/client-secret.ts';
import { CLIENTS_TOPIC } from './domain/clients/client-service.ts';
import { CONSOLE_SESSION_MODEL } from './http/console/console-sessions.ts';
import { createConsole } from './http/console/create-console.ts';
import { createInteractionRoutes } from './http/interaction/create-interaction-routes.ts';
import { createProviderPages } from './http/interaction/provider-pages.ts';
import { ensureConsoleClient } from './domain/clients/console-client.ts';
import { createSignIn } from './domain/users/sign-in.ts';
import { createSealedBox } from './crypto/sealed-box.ts';
import { createLiveKeyRing } from './keys/live-key-ring.ts';
import { controlSocketPath } from './embedded/control-socket-path.ts';
import { startControlSocket } from './embedded/control-socket-server.ts';
import { AppError } from './errors.ts';
import { createBearerAuthenticator } from './http/authenticate-bearer.ts';
import { createApp } from './http/create-app.ts';
import { createManagementApi } from './http/v1/create-management-api.ts';
import { createLogger, type Logger } from './logging/create-logger.ts';
import { createTokenPolicies } from './oidc/configuration/token-policies.ts';
import { createProvider } from './oidc/create-provider.ts';
import { createFastLane } from './oidc/fast-lane/create-fast-lane.ts';
import { createJwtAccessTokens, REVOKED_JWT_MODEL } from './oidc/jwt-access-tokens.ts';
import { openDomain } from './open-domain.ts';

export type RunningServer = { url: string; server: Server; close: () => Promise<void> };

/** This process as seen from itself: a wildcard listen address is reached on loopback. */
const loopbackUrl = ({ address, port }: AddressInfo): string => {
  const host = ['0.0.0.0', '::', '::ffff:0.0.0.0'].includes(address) ? '127.0.0.1' : address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
};

/** The composition root: config → storage → domain → keys → provider → app → listen. */
export const startServer = async (
  config: Config,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningServer> => {
  const onBackgroundError = (error: unknown) => logger.error({ err: error }, 'background task failed');
  const {
    secrets,
    storage,
    domain,
    cacheTtlMs,
    close: closeDomain,
  } = await openDomain(config, { migrate: true, onBackgroundError });
  const stopSweep = storage.startExpirySweep(10 * 60_000);
  domain.lastUsed.start();
  const clients = createCachedLookup({
    load: domain.clients.find,
    loadMany: domain.clients.findMany,
    bus: storage.changes,
    topic: CLIENTS_TOPIC,
    ttlMs: cacheTtlMs,
  });
  const apiResources = createCachedLookup({
    load: domain.apiResources.find,
    bus: storage.changes,
    topic: API_RESOURCES_TOPIC,
    ttlMs: cacheTtlMs,
  });
  const secretHash = createPepperHash(secrets.pepper, CLIENT_SECRET_HASH_PURPOSE);
  await ensureConsoleClient(storage, config.issuer);
  const providerPages = createProviderPages({ clients });
  // Known once the server listens: the console calls this process's /token and /v1 over loopback.
  let selfUrl = config.issuer;
  const denyList = storage.tokenStore(REVOKED_JWT_MODEL);

  // Everything that depends on the signing keys is rebuilt when they change.
  const buildRuntime = () => {
    const keys = keyRing.current();
    const jwtAccessTokens = createJwtAccessTokens({
      issuer: config.issuer,
      publicJwks: keys.publicJwks,
      denyList,
      subjectTokens: domain.accessTokenResolver,
    });
    const provider = createProvider({
      issuer: config.issuer,
      cookieKeys: secrets.cookieKeys,
      jwks: keys.providerJwks,
      jwtAccessTokens,
      adapterFactory: storage.tokenStore,
      clients,
      apiResources,
      secretHash,
      accessTokens: domain.accessTokenResolver,
      trustProxy: config.trustProxy,
      accounts: domain.users,
      pages: providerPages,
      onServerError: (error, ctx) =>
        logger.error({ err: error, path: ctx.path }, 'oidc-provider server error'),
    });
    const fastLane = config.fastLane
      ? createFastLane(
          {
            clients,
            apiResources,
            secretHash,
            accessTokens: domain.accessTokenResolver,
            policies: createTokenPolicies(clients),
            logger,
          },
          provider,
        )
      : undefined;
    return { provider, jwtAccessTokens, fastLane };
  };
  const keyRing = await createLiveKeyRing({
    keysDir: config.keysDir,
    jwks: config.jwks,
    logger,
    onChange: () => {
      runtime = buildRuntime();
      logger.info({ kids: keyRing.current().signingKids }, 'signing keys reloaded');
    },
  });
  let runtime = buildRuntime();
  const reloadKeys = () => void keyRing.reload();
  process.on('SIGHUP', reloadKeys);

  const app = createApp({
    logger,
    trustProxy: config.trustProxy,
    provider: () => runtime.provider,
    fastLane: () => runtime.fastLane,
    managementApi: createManagementApi({
      issuer: config.issuer,
      logger,
      authenticate: createBearerAuthenticator({
        jwtAccessTokens: () => runtime.jwtAccessTokens,
        accessTokens: domain.accessTokenResolver,
        permissions: domain.permissions,
        clients,
      }),
      accessTokens: domain.accessTokens,
      resources: domain.resources,
      audit: domain.audit,
      users: domain.users,
    }),
    interactions: createInteractionRoutes({
      provider: () => runtime.provider,
      signIn: createSignIn({
        users: domain.users,
        counters: storage.attemptCounters,
        keyHash: createPepperHash(secrets.pepper, 'sign-in-attempts'),
      }),
      csrf: createPepperHash(secrets.pepper, 'csrf'),
      logger,
    }),
    console: createConsole({
      issuer: config.issuer,
      selfUrl: () => selfUrl,
      publicJwks: () => keyRing.current().publicJwks,
      sessionStore: storage.tokenStore(CONSOLE_SESSION_MODEL),
      sessionBox: createSealedBox(secrets.pepper, 'console-session'),
      signInBox: createSealedBox(secrets.pepper, 'console-sign-in'),
      csrf: createPepperHash(secrets.pepper, 'csrf'),
      policy: domain.policy,
      maxLifetimeDays: config.tokenMaxLifetimeDays,
      logger,
    }),
    readiness: [
      { name: 'storage', check: storage.ping },
      { name: 'keys', check: async () => void keyRing.current() },
    ],
  });

  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000; // longer than common load balancer idle timeouts
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const control =
    config.profile === 'embedded'
      ? await startControlSocket({ path: controlSocketPath(config.dataDir), domain, logger })
      : undefined;

  const address = server.address() as AddressInfo;
  const { port } = address;
  selfUrl = loopbackUrl(address);
  logger.info(
    { issuer: config.issuer, port, profile: config.profile, tokenStore: storage.redis ? 'redis' : 'sql' },
    'tessera is listening',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      process.off('SIGHUP', reloadKeys);
      await control?.close();
      // Stop accepting, let in-flight requests finish, then cut idle keep-alive connections.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceSeconds * 1000);
      await drained;
      clearTimeout(grace);
      keyRing.stop();
      stopSweep();
      await closeDomain();
      logger.info('tessera stopped');
    })();
    return closing;
  };
  return { url: `http://127.0.0.1:${port}`, server, close };
};

/** Starts the server and stops it cleanly on SIGTERM / SIGINT: what `npm start` and `tessera serve` run. */
export const runServer = async (config: Config): Promise<RunningServer> => {
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      running.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return running;
};

if (import.meta.main) {
  try {
    await runServer(loadConfig());
  } catch (error) {
    // Configuration and storage problems are stated plainly; anything else keeps its stack for the operator.
    process.stderr.write(
      `tessera failed to start: ${error instanceof AppError ? error.message : ((error as Error).stack ?? String(error))}\n`,
    );
    process.exit(1);
  }
}
