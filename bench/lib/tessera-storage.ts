import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/load-config.ts';
import { openStorage, type Storage } from '../../src/storage/open-storage.ts';
import { onCleanup } from './processes.ts';
import type { TesseraSetup } from './targets.ts';

/**
 * Tessera's own storage layer, opened from the very environment the server runs with: bulk data
 * (client rows, token entries) is written by the same table functions and Redis adapter, with the
 * same pepper and key prefix, so the server reads it as its own.
 */
const opened = new WeakMap<TesseraSetup, Promise<Storage>>();

export const tesseraStorage = (setup: TesseraSetup): Promise<Storage> => {
  let storage = opened.get(setup);
  if (!storage) {
    storage = openStorage(loadConfig(setup.env), { pepper: setup.pepper, migrate: false });
    opened.set(setup, storage);
    const closing = storage;
    onCleanup("close the bench's Tessera storage", async () => (await closing).close());
  }
  return storage;
};

/** `used_memory` from INFO memory, in bytes. */
export const usedMemory = async (redis: Redis): Promise<number> => {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
};

/** Runs `task` over `items`, at most `concurrency` at a time. */
export const inBatches = async <T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> => {
  for (let start = 0; start < items.length; start += concurrency) {
    await Promise.all(items.slice(start, start + concurrency).map(task));
  }
};
