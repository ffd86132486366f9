import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../src/config/load-config.ts';
import { AppError } from '../../../src/errors.ts';

const PEPPER = 'kT9vQz2Lr8Xw4Np6Hs1Jd3Fb5Gm7Yc0Ua2Ve4Wi6Oq8';
const COOKIE_KEY = 'Zr4Tx8Kp2Lm6Qw0Ns3Vb7Hd1Jf5Gc9Ye2Ua4Wi6Oq8';
const KEK = 'Pq7Wd2Rt9Ym4Xa6Lc1Vn8Bs3Hk5Gf0Ju2Ze7Ti4Oe9';
const DATABASE_URL = 'postgres://tessera:pw@db.internal:5432/tessera';

/** The message of the config error `env` produces; fails when the configuration is accepted. */
const configError = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, 'config_invalid');
    return error.message;
  }
  assert.fail(`configuration was accepted: ${JSON.stringify(env)}`);
};

/** Asserts that the error for `env` has a line starting with `variable` that matches `message`. */
const rejects = (env: Record<string, string>, variable: string, message?: RegExp): void => {
  const lines = configError(env)
    .split('\n')
    .map((line) => line.trim());
  const line = lines.find((candidate) => candidate.startsWith(variable));
  assert.ok(line, `no line names ${variable} in:\n${lines.join('\n')}`);
  if (message) assert.match(line, message);
};

describe('loading the configuration', () => {
  test('defaults to the embedded profile with an issuer on the default port', () => {
    const config = loadConfig({});
    assert.equal(config.profile, 'embedded');
    assert.equal(config.port, 3000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.issuer, 'http://localhost:3000');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.redis, undefined);
    assert.equal(config.redisPrefix, 'tessera:');
    assert.equal(config.dataDir, resolve('./data'));
    assert.equal(config.keysDir, resolve('./keys'));
    assert.equal(config.cookieKeys, undefined);
    assert.equal(config.secretPepper, undefined);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.trustProxy, false);
    assert.equal(config.shutdownGraceSeconds, 10);
    assert.equal(config.drainSeconds, 5);
  });

  test('TESSERA_DRAIN_SECONDS is a whole number of seconds from 0 to 300', () => {
    assert.equal(loadConfig({ TESSERA_DRAIN_SECONDS: '0' }).drainSeconds, 0);
    assert.equal(loadConfig({ TESSERA_DRAIN_SECONDS: '300' }).drainSeconds, 300);
    for (const bad of ['301', '-1', '1.5', 'five', '5s'])
      rejects({ TESSERA_DRAIN_SECONDS: bad }, 'TESSERA_DRAIN_SECONDS', /whole number of seconds, 0 to 300/);
  });

  test('derives the default issuer from PORT', () => {
    const config = loadConfig({ PORT: '8443' });
    assert.equal(config.port, 8443);
    assert.equal(config.issuer, 'http://localhost:8443');
  });

  test('strips the trailing slash of TESSERA_ISSUER', () => {
    assert.equal(loadConfig({ TESSERA_ISSUER: 'https://auth.test/' }).issuer, 'https://auth.test');
    assert.equal(
      loadConfig({ TESSERA_ISSUER: 'https://auth.test/tenant/' }).issuer,
      'https://auth.test/tenant',
    );
  });

  test('treats empty and blank variables as unset', () => {
    const config = loadConfig({ PORT: '', TESSERA_ISSUER: '   ', LOG_LEVEL: '' });
    assert.equal(config.port, 3000);
    assert.equal(config.issuer, 'http://localhost:3000');
    assert.equal(config.logLevel, 'info');
  });

  test('reads booleans, the log level and secrets it is given', () => {
    const config = loadConfig({
      TESSERA_TRUST_PROXY: 'yes',
      LOG_LEVEL: 'debug',
      TESSERA_SECRET_PEPPER: PEPPER,
      TESSERA_COOKIE_KEYS: `${COOKIE_KEY}, ${PEPPER}`,
    });
    assert.equal(config.trustProxy, true);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.secretPepper, PEPPER);
    assert.deepEqual(config.cookieKeys, [COOKIE_KEY, PEPPER]);
    assert.equal(loadConfig({ TESSERA_TRUST_PROXY: '0' }).trustProxy, false);
    assert.equal(loadConfig({}).fastLane, true);
    assert.equal(loadConfig({ TESSERA_FAST_LANE: 'false' }).fastLane, false);
    assert.equal(loadConfig({}).dpopRequireNonce, true);
    assert.equal(loadConfig({ TESSERA_DPOP_REQUIRE_NONCE: 'false' }).dpopRequireNonce, false);
  });

  test('rejects a PORT that is not a port number', () => {
    rejects({ PORT: 'abc' }, 'PORT', /port number/);
    rejects({ PORT: '0' }, 'PORT', /between 1 and 65535/);
    rejects({ PORT: '65536' }, 'PORT', /between 1 and 65535/);
    rejects({ PORT: '80.5' }, 'PORT', /port number/);
    rejects({ PORT: '0x10' }, 'PORT', /port number/);
    rejects({ PORT: '1e3' }, 'PORT', /port number/);
  });

  test('serves metrics only when TESSERA_METRICS_PORT names a port other than PORT', () => {
    assert.equal(loadConfig({}).metricsPort, undefined);
    assert.equal(loadConfig({ TESSERA_METRICS_PORT: '' }).metricsPort, undefined);
    assert.equal(loadConfig({ TESSERA_METRICS_PORT: '9464' }).metricsPort, 9464);
    rejects({ TESSERA_METRICS_PORT: 'metrics' }, 'TESSERA_METRICS_PORT', /port number/);
    rejects({ TESSERA_METRICS_PORT: '70000' }, 'TESSERA_METRICS_PORT', /between 1 and 65535/);
    rejects({ TESSERA_METRICS_PORT: '3000' }, 'TESSERA_METRICS_PORT', /must differ from PORT \(3000\)/);
    rejects({ PORT: '8080', TESSERA_METRICS_PORT: '8080' }, 'TESSERA_METRICS_PORT', /must differ from PORT/);
  });

  test('rejects a TESSERA_ISSUER with a query or a fragment', () => {
    rejects({ TESSERA_ISSUER: 'https://auth.test/?tenant=a' }, 'TESSERA_ISSUER', /no query or fragment/);
    rejects({ TESSERA_ISSUER: 'https://auth.test/#top' }, 'TESSERA_ISSUER', /no query or fragment/);
  });

  test('rejects a TESSERA_ISSUER that is not an http or https URL', () => {
    rejects({ TESSERA_ISSUER: 'ftp://auth.test' }, 'TESSERA_ISSUER', /http or https/);
    rejects({ TESSERA_ISSUER: 'javascript:alert(1)' }, 'TESSERA_ISSUER', /http or https/);
  });

  test('rejects a DATABASE_URL with another scheme', () => {
    rejects({ DATABASE_URL: 'mysql://db.internal/tessera' }, 'DATABASE_URL', /postgres:\/\//);
  });

  test('accepts both PostgreSQL URL schemes and selects the production profile', () => {
    for (const url of [DATABASE_URL, 'postgresql://db.internal/tessera']) {
      const config = loadConfig({
        DATABASE_URL: url,
        TESSERA_SECRET_PEPPER: PEPPER,
        TESSERA_COOKIE_KEYS: COOKIE_KEY,
        TESSERA_KEY_ENCRYPTION_KEY: KEK,
      });
      assert.equal(config.profile, 'production');
      assert.equal(config.keysStore, 'database');
      assert.equal(config.databaseUrl, url);
    }
  });

  test('rejects a REDIS_URL with an unknown scheme', () => {
    rejects({ REDIS_URL: 'http://cache.internal:6379' }, 'REDIS_URL', /must start with redis:\/\//);
  });

  test('rejects a REDIS_URL with a bad port', () => {
    rejects({ REDIS_URL: 'redis://cache.internal:99999' }, 'REDIS_URL');
    rejects({ REDIS_URL: 'redis+cluster://a:6379,b:70000' }, 'REDIS_URL', /"b:70000" has a bad port/);
    rejects({ REDIS_URL: 'redis+sentinel://a:0/mymaster' }, 'REDIS_URL', /bad port/);
  });

  test('rejects a standalone REDIS_URL whose database is not a number', () => {
    rejects({ REDIS_URL: 'redis://cache.internal:6379/main' }, 'REDIS_URL', /database must be a number/);
  });

  test('rejects a sentinel REDIS_URL without a master name', () => {
    rejects({ REDIS_URL: 'redis+sentinel://s1:26379,s2:26379' }, 'REDIS_URL', /master name/);
  });

  test('rejects a cluster REDIS_URL with a database path', () => {
    rejects({ REDIS_URL: 'redis+cluster://n1:6379/0' }, 'REDIS_URL', /no database path/);
  });

  test('parses a standalone REDIS_URL as given', () => {
    assert.deepEqual(loadConfig({ REDIS_URL: 'rediss://user:pw@cache.internal:6380/2' }).redis, {
      mode: 'standalone',
      url: 'rediss://user:pw@cache.internal:6380/2',
    });
  });

  test('parses a sentinel REDIS_URL with its nodes, master name, database and password', () => {
    assert.deepEqual(loadConfig({ REDIS_URL: 'rediss+sentinel://:s%40cret@s1:26380,s2/mymaster/3' }).redis, {
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      db: 3,
      username: undefined,
      password: 's@cret',
      tls: true,
    });
  });

  test('parses a cluster REDIS_URL with several nodes and a password', () => {
    assert.deepEqual(loadConfig({ REDIS_URL: 'redis+cluster://:hunter2@n1:7000,n2,[::1]:7002' }).redis, {
      mode: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      username: undefined,
      password: 'hunter2',
      tls: false,
    });
    const withUser = loadConfig({ REDIS_URL: 'rediss+cluster://app:pw@n1:7000' }).redis;
    assert.deepEqual(withUser, {
      mode: 'cluster',
      nodes: [{ host: 'n1', port: 7000 }],
      username: 'app',
      password: 'pw',
      tls: true,
    });
  });

  test('rejects TESSERA_COOKIE_KEYS shorter than 32 characters', () => {
    rejects({ TESSERA_COOKIE_KEYS: 'too-short' }, 'TESSERA_COOKIE_KEYS', /at least 32 characters/);
    // Every key of the list is checked, not only the first.
    rejects({ TESSERA_COOKIE_KEYS: `${COOKIE_KEY},short` }, 'TESSERA_COOKIE_KEYS', /at least 32 characters/);
  });

  test('rejects placeholder TESSERA_COOKIE_KEYS', () => {
    rejects(
      { TESSERA_COOKIE_KEYS: 'change-me-to-a-long-random-cookie-key-please' },
      'TESSERA_COOKIE_KEYS',
      /placeholder cookie key/,
    );
    rejects(
      { TESSERA_COOKIE_KEYS: `${COOKIE_KEY},CHANGEME_CHANGEME_CHANGEME_CHANGEME_1` },
      'TESSERA_COOKIE_KEYS',
      /placeholder cookie key/,
    );
  });

  test('rejects a placeholder TESSERA_SECRET_PEPPER', () => {
    rejects(
      { TESSERA_SECRET_PEPPER: 'change_me_to_a_long_random_pepper_value_0123' },
      'TESSERA_SECRET_PEPPER',
      /placeholder pepper/,
    );
    rejects(
      { TESSERA_SECRET_PEPPER: 'this-is-an-example-pepper-of-forty-characters' },
      'TESSERA_SECRET_PEPPER',
      /placeholder pepper/,
    );
    rejects({ TESSERA_SECRET_PEPPER: 'short' }, 'TESSERA_SECRET_PEPPER', /at least 32 characters/);
  });

  test('rejects an unknown LOG_LEVEL', () => {
    rejects({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', /must be one of fatal, error/);
  });

  test('rejects a TESSERA_TRUST_PROXY that is not a boolean', () => {
    rejects({ TESSERA_TRUST_PROXY: 'maybe' }, 'TESSERA_TRUST_PROXY', /true or false/);
    rejects({ TESSERA_FAST_LANE: 'off' }, 'TESSERA_FAST_LANE', /true or false/);
  });

  test('refuses the production profile without a pepper or cookie keys, naming both', () => {
    const message = configError({ DATABASE_URL });
    assert.match(message, /TESSERA_SECRET_PEPPER is required with DATABASE_URL/);
    assert.match(message, /TESSERA_COOKIE_KEYS is required with DATABASE_URL/);
  });

  test('refuses the production profile when only one of the secrets is given, naming the other', () => {
    const withoutKeys = configError({ DATABASE_URL, TESSERA_SECRET_PEPPER: PEPPER });
    assert.match(withoutKeys, /TESSERA_COOKIE_KEYS is required/);
    assert.doesNotMatch(withoutKeys, /TESSERA_SECRET_PEPPER/);
    const withoutPepper = configError({ DATABASE_URL, TESSERA_COOKIE_KEYS: COOKIE_KEY });
    assert.match(withoutPepper, /TESSERA_SECRET_PEPPER is required/);
    assert.doesNotMatch(withoutPepper, /TESSERA_COOKIE_KEYS/);
  });

  test('reports several problems together', () => {
    const lines = configError({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      TESSERA_TRUST_PROXY: 'perhaps',
      DATABASE_URL: 'mysql://db/tessera',
      TESSERA_SECRET_PEPPER: 'short',
    })
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(' ')[0]);
    assert.deepEqual(lines.sort(), [
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
      'TESSERA_SECRET_PEPPER',
      'TESSERA_TRUST_PROXY',
    ]);
  });

  test('refuses the production profile without a key-encryption key, unless the keys come from TESSERA_JWKS', () => {
    const message = configError({
      DATABASE_URL,
      TESSERA_SECRET_PEPPER: PEPPER,
      TESSERA_COOKIE_KEYS: COOKIE_KEY,
    });
    assert.match(
      message,
      /TESSERA_KEY_ENCRYPTION_KEY \(or TESSERA_KEY_ENCRYPTION_KEY_FILE\) is required with DATABASE_URL/,
    );
    const jwks = JSON.stringify({ keys: [{ kty: 'OKP' }] });
    const fromEnvironment = loadConfig({
      DATABASE_URL,
      TESSERA_SECRET_PEPPER: PEPPER,
      TESSERA_COOKIE_KEYS: COOKIE_KEY,
      TESSERA_JWKS: jwks,
    });
    assert.equal(fromEnvironment.keysStore, 'environment');
    assert.equal(loadConfig({}).keysStore, 'directory');
  });

  test('reads the key-encryption key from a file, refusing a short one and naming the file', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-kek-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'kek');
    writeFileSync(file, `${KEK}\n`, { mode: 0o600 });
    const config = loadConfig({ TESSERA_KEY_ENCRYPTION_KEY_FILE: file });
    assert.equal(config.keyEncryptionKey?.secret, KEK);
    writeFileSync(file, 'short\n');
    assert.match(
      configError({ TESSERA_KEY_ENCRYPTION_KEY_FILE: file }),
      /TESSERA_KEY_ENCRYPTION_KEY_FILE .*at least 32 characters/,
    );
    assert.match(
      configError({ TESSERA_KEY_ENCRYPTION_KEY_FILE: join(dir, 'missing') }),
      /TESSERA_KEY_ENCRYPTION_KEY_FILE cannot be read \(ENOENT/,
    );
    rejects(
      { TESSERA_KEY_ENCRYPTION_KEY: KEK, TESSERA_KEY_ENCRYPTION_KEY_FILE: file },
      'TESSERA_KEY_ENCRYPTION_KEY_FILE',
      /both set/,
    );
  });

  test('reads TESSERA_JWKS_CACHE_SECONDS, 600 by default, refusing 0 and fractions', () => {
    assert.equal(loadConfig({}).jwksCacheSeconds, 600);
    assert.equal(loadConfig({ TESSERA_JWKS_CACHE_SECONDS: '30' }).jwksCacheSeconds, 30);
    rejects({ TESSERA_JWKS_CACHE_SECONDS: '0' }, 'TESSERA_JWKS_CACHE_SECONDS', /1 to 86400/);
    rejects({ TESSERA_JWKS_CACHE_SECONDS: '1.5' }, 'TESSERA_JWKS_CACHE_SECONDS', /1 to 86400/);
  });
});

describe('dynamic registration and outbound fetch settings', () => {
  test('are off, with no allowlist, by default', () => {
    const config = loadConfig({});
    assert.deepEqual(config.registration, { mode: 'off', resources: [], perMinute: 10 });
    assert.equal(config.clientIdMetadataDocuments, false);
    assert.deepEqual(config.outboundAllowHosts, []);
  });

  test('are read and checked', () => {
    const config = loadConfig({
      TESSERA_REGISTRATION: 'open',
      TESSERA_REGISTRATION_RESOURCES: 'https://a.test, https://b.test',
      TESSERA_REGISTRATIONS_PER_MINUTE: '3',
      TESSERA_CLIENT_ID_METADATA_DOCUMENTS: 'on',
      TESSERA_OUTBOUND_ALLOW_HOSTS: 'Metadata.Internal:8443 10.0.0.5',
    });
    assert.deepEqual(config.registration, {
      mode: 'open',
      resources: ['https://a.test', 'https://b.test'],
      perMinute: 3,
    });
    assert.equal(config.clientIdMetadataDocuments, true);
    assert.deepEqual(config.outboundAllowHosts, ['metadata.internal:8443', '10.0.0.5']);
    rejects({ TESSERA_REGISTRATION: 'yes' }, 'TESSERA_REGISTRATION', /off, initial-access-token or open/);
    rejects({ TESSERA_REGISTRATIONS_PER_MINUTE: '0' }, 'TESSERA_REGISTRATIONS_PER_MINUTE');
    rejects(
      { TESSERA_CLIENT_ID_METADATA_DOCUMENTS: 'true' },
      'TESSERA_CLIENT_ID_METADATA_DOCUMENTS',
      /on or off/,
    );
    rejects({ TESSERA_OUTBOUND_ALLOW_HOSTS: 'https://x.test/' }, 'TESSERA_OUTBOUND_ALLOW_HOSTS');
    rejects({ TESSERA_REGISTRATION_RESOURCES: 'not-a-uri' }, 'TESSERA_REGISTRATION_RESOURCES');
  });
});
