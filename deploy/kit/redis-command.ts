import { Redis } from 'ioredis';

/**
 * One command to one Redis node at 127.0.0.1:port, on a connection of its own that never retries
 * and never queues: what an administrator's redis-cli does. A node that is paused or gone makes
 * it fail after `timeoutMs`, not hang.
 */
export const redisCommand = async (
  port: number,
  args: (string | number)[],
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): Promise<unknown> => {
  const [command, ...rest] = args;
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    enableReadyCheck: false,
    // Its default (2 s) keeps a timer alive after a refused connection, delaying the test's exit.
    disconnectTimeout: 0,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // A refused connection is also emitted as an event; the rejected promise below reports it.
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () =>
        fail(new Error(`${String(command)} to 127.0.0.1:${port}: no answer (timeout after ${timeoutMs} ms)`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      (async () => {
        await client.connect();
        return client.call(String(command), ...rest);
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
};

/** `INFO section` as a map of its `name:value` lines. */
export const redisInfo = async (port: number, section: string): Promise<Record<string, string>> => {
  const text = String(await redisCommand(port, ['INFO', section]));
  return Object.fromEntries(
    text
      .split(/\r?\n/)
      .filter((line) => line.includes(':') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
};
