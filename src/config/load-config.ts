import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { parseRedisUrl, type RedisConfig } from './redis-url.ts';
import { parseSecretScanningKeys, type SecretScanningKeys } from './secret-scanning-keys.ts';

/**
 * The only module that reads the environment. Every variable is validated here; a bad value stops
 * start-up with a message that names the variable.
 */
export type Profile = 'embedded' | 'production';

export type Config = {
  /** embedded: PGlite in dataDir (no DATABASE_URL); production: PostgreSQL at DATABASE_URL. */
  profile: Profile;
  issuer: string;
  host: string;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  redis: RedisConfig | undefined;
  /** Prefix of every Redis key and channel Tessera uses, so several deployments can share one Redis. */
  redisPrefix: string;
  keysDir: string;
  /** A private JWKS given in the environment instead of keysDir. */
  jwks: { keys: Record<string, unknown>[] } | undefined;
  /**
   * Where the signing keys live: the `signing_keys` table (production profile), the keys folder
   * (embedded profile), or `TESSERA_JWKS` when that is set (either profile).
   */
  keysStore: 'database' | 'directory' | 'environment';
  /**
   * The secret the signing keys' private parts are sealed with in the database (production): from
   * TESSERA_KEY_ENCRYPTION_KEY, or read from the file TESSERA_KEY_ENCRYPTION_KEY_FILE names.
   */
  keyEncryptionKey: { source: string; secret: string } | undefined;
  /**
   * How long relying parties may cache /jwks: a rotated key is published at least this long (plus
   * the time instances take to learn it) before any instance signs with it.
   */
  jwksCacheSeconds: number;
  /** Unset in the embedded profile means "generate once and keep in dataDir". */
  cookieKeys: string[] | undefined;
  secretPepper: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  trustProxy: boolean;
  /** Whether plain token and introspection requests take the fast lane (src/oidc/fast-lane/). */
  fastLane: boolean;
  /** Whether a DPoP proof must carry a server nonce (RFC 9449 §8), src/oidc/configuration/dpop.ts. */
  dpopRequireNonce: boolean;
  /**
   * Seconds between SIGTERM and closing the listener: /readyz answers 503 and every response closes
   * its connection, so load balancers move traffic away before anything is refused.
   */
  drainSeconds: number;
  /** Seconds a stopping server (after the drain) waits for in-flight requests before it cuts connections. */
  shutdownGraceSeconds: number;
  /** Longest lifetime of a personal or resource access token; undefined: no limit, "never" allowed. */
  tokenMaxLifetimeDays: number | undefined;
  /** A JSON file replacing the default resource types, roles and role matrix. */
  policyFile: string | undefined;
  /** The port of the Prometheus `/metrics` listener (on `host`); undefined: no metrics listener. */
  metricsPort: number | undefined;
  /** Keys that sign GitHub secret-scanning alerts to POST /leaked-tokens; none: such alerts are refused. */
  secretScanningKeys: SecretScanningKeys;
  /** Leaked-token reports one client address may make per minute (signed alerts do not count). */
  leakReportsPerMinute: number;
  webhooks: {
    /** Plain http webhooks to loopback receivers (tests, local development). */
    allowHttpLoopback: boolean;
    timeoutMs: number;
    /** A delivery still failing this long after its first attempt is given up. */
    deadLetterMs: number;
  };
  registration: {
    /**
     * Dynamic client registration at /reg (RFC 7591, with RFC 7592 management): `off`; with an
     * initial access token an operator created (`tessera registration-tokens create`); or `open`
     * to anyone, for public clients only and rate-limited per address.
     */
    mode: 'off' | 'initial-access-token' | 'open';
    /** The API resources a registered client may get tokens for (their identifiers). */
    resources: string[];
    /** Registrations one client address may make per minute. */
    perMinute: number;
  };
  /** Whether an https URL may be a client_id, its metadata fetched from there (CIMD). */
  clientIdMetadataDocuments: boolean;
  /**
   * Hosts (`name` or `name:port`) the server's own fetches (client metadata documents, jwks_uri)
   * may reach even when they resolve to a loopback or private address.
   */
  outboundAllowHosts: string[];
  notices: {
    /** Days before a PAT's or RAT's expiry at which `token.expiring` is sent, largest first. */
    expiryDays: number[];
    /** SMTP server for notice e-mails; undefined: no e-mail. */
    smtpUrl: string | undefined;
    smtpFrom: string;
    /** Disable PATs and RATs unused for this many days; undefined: never. */
    idleTokenDays: number | undefined;
    /** Days before the idle policy disables a token at which `token.idle` is sent. */
    idleNoticeDays: number;
  };
};

/** Values that appear in our examples (docker-compose.yml, README): a real deployment must change them. */
const PLACEHOLDER = /change[-_ ]?me|changeme|example|placeholder|^(secret|password|tessera)$/i;

const nonEmpty = (value: string | undefined) =>
  value === undefined || value.trim() === '' ? undefined : value;

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

const port = z
  .string()
  .regex(/^\d+$/, 'must be a port number')
  .transform(Number)
  .pipe(z.number().min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535'));

const secret = (what: string) =>
  z
    .string()
    .min(32, `must be at least 32 characters (generate one with: openssl rand -base64 48)`)
    .refine((value) => !PLACEHOLDER.test(value), `is a placeholder ${what}; set a random value`);

const scanningKeys = (text: string, ctx: z.RefinementCtx) => {
  try {
    return parseSecretScanningKeys(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
};

const baseShape = {
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  TESSERA_ISSUER: z
    .string()
    .superRefine((value, ctx) => {
      if (!URL.canParse(value)) {
        ctx.addIssue({ code: 'custom', message: 'must be an absolute URL such as https://auth.example.com' });
      } else if (!/^https?:$/.test(new URL(value).protocol)) {
        ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
      } else if (/[?#]/.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'must have no query or fragment' });
      }
    })
    .optional(),
  DATABASE_URL: z
    .string()
    .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must start with postgres:// or postgresql://')
    .refine((value) => URL.canParse(value), 'is not a valid URL')
    .optional(),
  TESSERA_DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseRedisUrl(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  TESSERA_REDIS_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ : . -')
    .default('tessera:'),
  TESSERA_KEYS_DIR: z.string().min(1).default('./keys'),
  TESSERA_JWKS: z
    .string()
    .transform((value, ctx) => {
      try {
        const parsed = JSON.parse(value) as { keys?: unknown };
        if (!Array.isArray(parsed.keys) || parsed.keys.length === 0) throw new Error('no keys');
        return parsed as { keys: Record<string, unknown>[] };
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a private JWKS: {"keys":[…]} with at least one key',
        });
        return z.NEVER;
      }
    })
    .optional(),
  TESSERA_KEY_ENCRYPTION_KEY: secret('key-encryption key').optional(),
  TESSERA_KEY_ENCRYPTION_KEY_FILE: z.string().min(1).optional(),
  TESSERA_JWKS_CACHE_SECONDS: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of seconds, 1 to 86400')
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, 'must be a whole number of seconds, 1 to 86400')
        .max(86400, 'must be a whole number of seconds, 1 to 86400'),
    )
    .default(600),
  TESSERA_COOKIE_KEYS: z
    .string()
    .transform((value) => value.split(',').map((key) => key.trim()))
    .pipe(z.array(secret('cookie key')).min(1))
    .optional(),
  TESSERA_SECRET_PEPPER: secret('pepper').optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  TESSERA_TRUST_PROXY: boolean.default(false),
  TESSERA_FAST_LANE: boolean.default(true),
  TESSERA_DPOP_REQUIRE_NONCE: boolean.default(true),
  TESSERA_DRAIN_SECONDS: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of seconds, 0 to 300')
    .transform(Number)
    .pipe(z.number().max(300, 'must be a whole number of seconds, 0 to 300'))
    .default(5),
  TESSERA_SHUTDOWN_GRACE_SECONDS: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of seconds')
    .transform(Number)
    .default(10),
  TESSERA_TOKEN_MAX_LIFETIME_DAYS: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number of days, 1 or more')
    .transform(Number)
    .optional(),
  TESSERA_POLICY_FILE: z.string().min(1).optional(),
  TESSERA_METRICS_PORT: port.optional(),
  TESSERA_SECRET_SCANNING_KEYS: z.string().transform(scanningKeys).optional(),
  TESSERA_SECRET_SCANNING_KEYS_FILE: z
    .string()
    .transform((path, ctx) => {
      try {
        return scanningKeys(readFileSync(resolve(path), 'utf8'), ctx);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `cannot be read (${(error as NodeJS.ErrnoException).code})`,
        });
        return z.NEVER;
      }
    })
    .optional(),
  TESSERA_LEAK_REPORTS_PER_MINUTE: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number, 1 or more')
    .transform(Number)
    .default(10),
  TESSERA_WEBHOOK_ALLOW_HTTP_LOOPBACK: boolean.default(false),
  TESSERA_REGISTRATION: z
    .enum(['off', 'initial-access-token', 'open'], {
      message: 'must be off, initial-access-token or open',
    })
    .default('off'),
  TESSERA_REGISTRATION_RESOURCES: z
    .string()
    .transform((value) => [...new Set(value.split(/[\s,]+/).filter(Boolean))])
    .pipe(z.array(z.string().refine((value) => URL.canParse(value), 'must list API identifiers (URIs)')))
    .default([]),
  TESSERA_REGISTRATIONS_PER_MINUTE: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number, 1 or more')
    .transform(Number)
    .default(10),
  TESSERA_CLIENT_ID_METADATA_DOCUMENTS: z
    .enum(['on', 'off'], { message: 'must be on or off' })
    .transform((value) => value === 'on')
    .default(false),
  TESSERA_OUTBOUND_ALLOW_HOSTS: z
    .string()
    .transform((value) => [
      ...new Set(
        value
          .split(/[\s,]+/)
          .filter(Boolean)
          .map((host) => host.toLowerCase()),
      ),
    ])
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/,
            'must list host names, each with an optional :port',
          ),
      ),
    )
    .default([]),
  TESSERA_WEBHOOK_TIMEOUT_SECONDS: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number of seconds, 1 to 60')
    .transform(Number)
    .pipe(z.number().max(60, 'must be a whole number of seconds, 1 to 60'))
    .default(10),
  TESSERA_WEBHOOK_DEAD_LETTER_HOURS: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number of hours, 1 or more')
    .transform(Number)
    .default(24),
  TESSERA_EXPIRY_NOTICE_DAYS: z
    .string()
    .regex(
      /^\s*[1-9]\d*\s*(,\s*[1-9]\d*\s*)*$/,
      'must be whole numbers of days separated by commas, e.g. 30,7,1',
    )
    .transform((value) =>
      [...new Set(value.split(',').map((day) => Number(day.trim())))].sort((a, b) => b - a),
    )
    .default([30, 7, 1]),
  TESSERA_SMTP_URL: z
    .string()
    .refine(
      (value) => /^smtps?:\/\//.test(value) && URL.canParse(value),
      'must be an smtp:// or smtps:// URL',
    )
    .optional(),
  TESSERA_SMTP_FROM: z.string().min(3).default('Tessera <tessera@localhost>'),
  TESSERA_IDLE_TOKEN_DAYS: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number of days, 1 or more')
    .transform(Number)
    .optional(),
  TESSERA_IDLE_NOTICE_DAYS: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number of days, 1 or more')
    .transform(Number)
    .default(7),
};

const schema = z.object(baseShape).superRefine((values, ctx) => {
  // Metrics have a listener of their own so the public port never serves them.
  if (values.TESSERA_METRICS_PORT !== undefined && values.TESSERA_METRICS_PORT === values.PORT) {
    ctx.addIssue({
      code: 'custom',
      path: ['TESSERA_METRICS_PORT'],
      message: `must differ from PORT (${values.PORT}): metrics are never served on the public port`,
    });
  }
  if (values.TESSERA_KEY_ENCRYPTION_KEY && values.TESSERA_KEY_ENCRYPTION_KEY_FILE) {
    ctx.addIssue({
      code: 'custom',
      path: ['TESSERA_KEY_ENCRYPTION_KEY_FILE'],
      message: 'and TESSERA_KEY_ENCRYPTION_KEY are both set; set one of them',
    });
  }
  if (
    values.TESSERA_IDLE_TOKEN_DAYS !== undefined &&
    values.TESSERA_IDLE_NOTICE_DAYS >= values.TESSERA_IDLE_TOKEN_DAYS
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['TESSERA_IDLE_NOTICE_DAYS'],
      message: 'must be fewer days than TESSERA_IDLE_TOKEN_DAYS',
    });
  }
  // The production profile (DATABASE_URL) refuses to run on generated or missing secrets.
  if (!values.DATABASE_URL) return;
  // Keys in the database are sealed: without a key-encryption key they could be neither written nor read.
  if (!values.TESSERA_JWKS && !values.TESSERA_KEY_ENCRYPTION_KEY && !values.TESSERA_KEY_ENCRYPTION_KEY_FILE) {
    ctx.addIssue({
      code: 'custom',
      path: ['TESSERA_KEY_ENCRYPTION_KEY'],
      message:
        '(or TESSERA_KEY_ENCRYPTION_KEY_FILE) is required with DATABASE_URL: it seals the signing keys stored in Postgres; set a random value of 32+ characters',
    });
  }
  for (const name of ['TESSERA_SECRET_PEPPER', 'TESSERA_COOKIE_KEYS'] as const) {
    if (values[name] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message:
          'is required with DATABASE_URL (the production profile); set a random value of 32+ characters',
      });
    }
  }
});

export const CONFIG_VARIABLES = Object.keys(baseShape);

/**
 * The key-encryption key from a file (a mounted secret): its content without the trailing newline,
 * held to the same rules as the variable. The file is read here, once, like the environment.
 */
const readKeyEncryptionKeyFile = (file: string): { source: string; secret: string } => {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppError(
      'config_invalid',
      `Invalid configuration:\n  TESSERA_KEY_ENCRYPTION_KEY_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}: ${path})`,
    );
  }
  const parsed = secret('key-encryption key').safeParse(text.replace(/\r?\n$/, ''));
  if (!parsed.success) {
    throw new AppError(
      'config_invalid',
      `Invalid configuration:\n  TESSERA_KEY_ENCRYPTION_KEY_FILE ${path} ${parsed.error.issues[0]?.message ?? 'is not usable'}`,
    );
  }
  return { source: `TESSERA_KEY_ENCRYPTION_KEY_FILE (${path})`, secret: parsed.data };
};

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  const input = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, nonEmpty(env[name])]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')} ${issue.message}`);
    throw new AppError('config_invalid', `Invalid configuration:\n${lines.join('\n')}`);
  }
  const values = parsed.data;
  const profile: Profile = values.DATABASE_URL ? 'production' : 'embedded';
  const keyEncryptionKey = values.TESSERA_KEY_ENCRYPTION_KEY_FILE
    ? readKeyEncryptionKeyFile(values.TESSERA_KEY_ENCRYPTION_KEY_FILE)
    : values.TESSERA_KEY_ENCRYPTION_KEY
      ? { source: 'TESSERA_KEY_ENCRYPTION_KEY', secret: values.TESSERA_KEY_ENCRYPTION_KEY }
      : undefined;

  return {
    profile,
    issuer: (values.TESSERA_ISSUER ?? `http://localhost:${values.PORT}`).replace(/\/$/, ''),
    host: values.HOST,
    port: values.PORT,
    databaseUrl: values.DATABASE_URL,
    dataDir: resolve(values.TESSERA_DATA_DIR),
    redis: values.REDIS_URL,
    redisPrefix: values.TESSERA_REDIS_PREFIX,
    keysDir: resolve(values.TESSERA_KEYS_DIR),
    jwks: values.TESSERA_JWKS,
    keysStore: values.TESSERA_JWKS ? 'environment' : profile === 'production' ? 'database' : 'directory',
    keyEncryptionKey,
    jwksCacheSeconds: values.TESSERA_JWKS_CACHE_SECONDS,
    cookieKeys: values.TESSERA_COOKIE_KEYS,
    secretPepper: values.TESSERA_SECRET_PEPPER,
    logLevel: values.LOG_LEVEL,
    trustProxy: values.TESSERA_TRUST_PROXY,
    fastLane: values.TESSERA_FAST_LANE,
    dpopRequireNonce: values.TESSERA_DPOP_REQUIRE_NONCE,
    drainSeconds: values.TESSERA_DRAIN_SECONDS,
    shutdownGraceSeconds: values.TESSERA_SHUTDOWN_GRACE_SECONDS,
    tokenMaxLifetimeDays: values.TESSERA_TOKEN_MAX_LIFETIME_DAYS,
    policyFile: values.TESSERA_POLICY_FILE ? resolve(values.TESSERA_POLICY_FILE) : undefined,
    metricsPort: values.TESSERA_METRICS_PORT,
    secretScanningKeys: new Map([
      ...(values.TESSERA_SECRET_SCANNING_KEYS_FILE ?? []),
      ...(values.TESSERA_SECRET_SCANNING_KEYS ?? []),
    ]),
    leakReportsPerMinute: values.TESSERA_LEAK_REPORTS_PER_MINUTE,
    webhooks: {
      allowHttpLoopback: values.TESSERA_WEBHOOK_ALLOW_HTTP_LOOPBACK,
      timeoutMs: values.TESSERA_WEBHOOK_TIMEOUT_SECONDS * 1000,
      deadLetterMs: values.TESSERA_WEBHOOK_DEAD_LETTER_HOURS * 3_600_000,
    },
    registration: {
      mode: values.TESSERA_REGISTRATION,
      resources: values.TESSERA_REGISTRATION_RESOURCES,
      perMinute: values.TESSERA_REGISTRATIONS_PER_MINUTE,
    },
    clientIdMetadataDocuments: values.TESSERA_CLIENT_ID_METADATA_DOCUMENTS,
    outboundAllowHosts: values.TESSERA_OUTBOUND_ALLOW_HOSTS,
    notices: {
      expiryDays: values.TESSERA_EXPIRY_NOTICE_DAYS,
      smtpUrl: values.TESSERA_SMTP_URL,
      smtpFrom: values.TESSERA_SMTP_FROM,
      idleTokenDays: values.TESSERA_IDLE_TOKEN_DAYS,
      idleNoticeDays: values.TESSERA_IDLE_NOTICE_DAYS,
    },
  };
};
