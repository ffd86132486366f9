import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HaproxyFiles, HaproxyOptions } from './haproxy-config.ts';
import { ROOT } from './tessera-process.ts';

/**
 * deploy/haproxy.cfg as shipped, with the local addresses: its frontend bound to the private port,
 * the kit's admin socket added (stats, drain, maintenance), and its example servers replaced by
 * the instances started here. Everything else — health checks, retries, timeouts — is the file's.
 */
export const shippedHaproxyConfig = (options: HaproxyOptions, files: HaproxyFiles): string => {
  const shipped = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8');
  if (!/^ {2}bind :80$/m.test(shipped)) throw new Error('deploy/haproxy.cfg no longer binds :80');
  const lines = shipped
    .replace(/^ {2}bind :80$/m, `  bind 127.0.0.1:${files.port}`)
    .replace(
      /^global$/m,
      `global\n  stats socket ${files.adminSocket} mode 600 level admin expose-fd listeners`,
    )
    .split('\n')
    .filter((line) => !/^ {2}server /.test(line));
  const servers = options.backends.map(
    ({ name, host = '127.0.0.1', port }) => `  server ${name} ${host}:${port}`,
  );
  return [...lines, ...servers, ''].join('\n');
};
