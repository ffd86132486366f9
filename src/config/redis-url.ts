/**
 * REDIS_URL names one of three Redis topologies:
 *   redis://[user:password@]host:port[/db]        standalone (rediss:// for TLS)
 *   redis+sentinel://[:password@]h1:26379,h2:26379/masterName[/db]
 *   redis+cluster://[:password@]h1:6379,h2:6379   (rediss+cluster:// for TLS)
 */
export type RedisNode = { host: string; port: number };

export type RedisConfig =
  | { mode: 'standalone'; url: string }
  | {
      mode: 'sentinel';
      sentinels: RedisNode[];
      name: string;
      db: number;
      username?: string;
      password?: string;
      tls: boolean;
    }
  | { mode: 'cluster'; nodes: RedisNode[]; username?: string; password?: string; tls: boolean };

const parseNodes = (hosts: string, defaultPort: number): RedisNode[] =>
  hosts.split(',').map((entry) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.trim());
    if (!match) throw new Error(`"${entry}" is not host[:port]`);
    const port = match[2] === undefined ? defaultPort : Number(match[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`"${entry}" has a bad port`);
    return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
  });

/** Splits `scheme://[userinfo@]hosts[/path]` without URL(), which rejects comma-separated hosts. */
const splitMultiHost = (value: string) => {
  const match = /^([a-z+]+):\/\/(?:([^@/]*)@)?([^/]+)(?:\/(.*))?$/.exec(value);
  if (!match) throw new Error('is not a URL');
  // Only the first colon separates user from password: a password may contain colons.
  const userinfo = match[2] ?? '';
  const colon = userinfo.indexOf(':');
  const [username, password] = (
    colon === -1 ? [userinfo, ''] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)]
  ).map((part) => decodeURIComponent(part));
  return {
    scheme: match[1] ?? '',
    username: username || undefined,
    password: password || undefined,
    hosts: match[3] ?? '',
    path: match[4] ?? '',
  };
};

export const parseRedisUrl = (value: string): RedisConfig => {
  const scheme = /^([a-z+]+):\/\//.exec(value)?.[1];
  if (scheme === 'redis' || scheme === 'rediss') {
    const url = new URL(value);
    if (!url.hostname) throw new Error('has no host');
    if (url.pathname.length > 1 && !/^\/\d+$/.test(url.pathname))
      throw new Error('database must be a number');
    return { mode: 'standalone', url: value };
  }
  if (scheme === 'redis+sentinel' || scheme === 'rediss+sentinel') {
    const parts = splitMultiHost(value);
    const [name, db = '0'] = parts.path.split('/');
    if (!name) throw new Error('needs the master name as its path: redis+sentinel://host:26379/mymaster');
    if (!/^\d+$/.test(db)) throw new Error('database must be a number');
    return {
      mode: 'sentinel',
      sentinels: parseNodes(parts.hosts, 26379),
      name,
      db: Number(db),
      username: parts.username,
      password: parts.password,
      tls: scheme.startsWith('rediss'),
    };
  }
  if (scheme === 'redis+cluster' || scheme === 'rediss+cluster') {
    const parts = splitMultiHost(value);
    if (parts.path) throw new Error('a cluster URL has no database path');
    return {
      mode: 'cluster',
      nodes: parseNodes(parts.hosts, 6379),
      username: parts.username,
      password: parts.password,
      tls: scheme.startsWith('rediss'),
    };
  }
  throw new Error('must start with redis://, rediss://, redis+sentinel:// or redis+cluster://');
};
