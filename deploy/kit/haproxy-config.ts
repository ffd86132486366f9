/**
 * The HAProxy configuration a fault test runs Tessera behind: one HTTP frontend, one backend of
 * Tessera instances health-checked on /readyz, retries on another instance where it is safe.
 */
export type HaproxyBackend = { name: string; port: number; host?: string };

export type HaproxyOptions = {
  backends: HaproxyBackend[];
  /** The health check's path; an instance is in rotation while it answers 200. */
  healthPath?: string;
  /** Milliseconds between health checks of each instance. */
  checkIntervalMs?: number;
  /** A request is tried up to this many more times, each time on another instance (redispatch). */
  retries?: number;
  /** HAProxy's retry-on events. */
  retryOn?: string;
  /**
   * Methods whose requests are retried after they reached an instance (L7 retries); others are
   * retried only when the connection failed, i.e. when no instance saw them.
   */
  retryMethods?: string[];
  timeouts?: { connectMs?: number; clientMs?: number; serverMs?: number };
  /** Writes the whole configuration instead of haproxyConfig (e.g. from deploy/haproxy.cfg). */
  render?: (options: HaproxyOptions, files: HaproxyFiles) => string;
};

export type HaproxyFiles = { port: number; adminSocket: string; masterSocket: string };

export const haproxyConfig = (options: HaproxyOptions, files: HaproxyFiles): string => {
  const {
    healthPath = '/readyz',
    checkIntervalMs = 250,
    retries = 3,
    retryOn = 'conn-failure empty-response junk-response response-timeout 503',
    retryMethods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'],
    timeouts: { connectMs = 1_000, clientMs = 30_000, serverMs = 30_000 } = {},
  } = options;
  return [
    'global',
    // expose-fd listeners: a reload hands the listening socket over, refusing no connection.
    `  stats socket ${files.adminSocket} mode 600 level admin expose-fd listeners`,
    '',
    'defaults',
    '  mode http',
    `  timeout connect ${connectMs}ms`,
    `  timeout client ${clientMs}ms`,
    `  timeout server ${serverMs}ms`,
    `  retries ${retries}`,
    '  option redispatch 1',
    `  retry-on ${retryOn}`,
    '',
    'frontend tessera_front',
    `  bind 127.0.0.1:${files.port}`,
    '  default_backend tessera',
    '',
    'backend tessera',
    '  balance roundrobin',
    `  option httpchk GET ${healthPath}`,
    '  http-check expect status 200',
    `  acl retryable method ${retryMethods.join(' ')}`,
    '  http-request disable-l7-retry unless retryable',
    `  default-server check inter ${checkIntervalMs}ms fall 2 rise 1`,
    ...options.backends.map(({ name, host = '127.0.0.1', port }) => `  server ${name} ${host}:${port}`),
    '',
  ].join('\n');
};
